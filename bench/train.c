/* Training and inference throughput of the trainer on LeNet-300-100 and
 * LeNet-5 (Fashion-MNIST images when installed, random ones otherwise).
 *
 * Training: images per CPU-second (training images / (user + sys CPU time of
 * the process, CLOCK_PROCESS_CPUTIME_ID), so the figure does not depend on
 * how many cores are used) at batch 64, INCLUDING the per-epoch evaluation:
 * each measured "epoch" trains TRAIN_IMAGES images and then evaluates
 * TRAIN_IMAGES / 6 images, the 60,000 : 10,000 ratio of a Fashion-MNIST
 * epoch and its test pass. Each figure is the median of REPEATS epochs, at 1
 * and 2 threads, for esim's fixed-order GEMM and, in the same run and
 * interleaved with it, for the same trainer on OpenBLAS's cblas_sgemm (the
 * path before bit-reproducible training), so the cost of reproducibility is
 * a measured ratio; the scaling ratio is the speed-up of 2 threads over 1.
 *
 * Inference: images/s (wall clock) and per CPU-second at batch 1 and 1000.
 * Writes the fixed-order figures also to train.tsv next to this program, for
 * the PyTorch comparison (bench/torch_lenet.py). */
#include <gsl/gsl_statistics_double.h>
#include <gsl/gsl_sort.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "nn/dataset.h"
#include "nn/model.h"
#include "nn/train.h"

struct rate {
	double wall_per_s, cpu_per_s;
};

enum { TRAIN_IMAGES = 6016, REPEATS = 5 };

/* Images per wall second and per CPU second of one measured epoch: training
 * steps over TRAIN_IMAGES images, then a forward pass over TRAIN_IMAGES / 6. */
static struct rate train_rate(struct nn_model *m, const struct nn_dataset *d, uint32_t batch)
{
	const uint64_t img = (uint64_t)d->c * d->h * d->w;
	const uint64_t steps = TRAIN_IMAGES / batch, eval = TRAIN_IMAGES / 6;
	for (uint64_t s = 0; s < 5; s++) { /* warm-up: page in buffers, start threads */
		nn_model_backprop(m, d->images, d->labels, batch, NULL, NULL);
		nn_sgd_step(m, 0.01, 0.9, 5e-4, 0.0);
	}
	double w0 = sim_clock_s(CLOCK_MONOTONIC), c0 = sim_clock_s(CLOCK_PROCESS_CPUTIME_ID);
	for (uint64_t s = 0; s < steps; s++) {
		uint64_t first = s * batch % (d->n - batch);
		nn_model_backprop(m, d->images + first * img, d->labels + first, batch, NULL, NULL);
		nn_sgd_step(m, 0.01, 0.9, 5e-4, 0.0);
	}
	nn_model_forward(m, d->images + (d->n - eval) * img, d->labels + (d->n - eval), eval,
			 NULL, NULL, NULL);
	double w = sim_clock_s(CLOCK_MONOTONIC) - w0, c = sim_clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
	return (struct rate){(double)(steps * batch) / w, (double)(steps * batch) / c};
}

/* Training at 1 and 2 threads on both GEMM backends, each on its own fresh
 * model. The four configurations run interleaved, one epoch each per
 * repeat, so that a change in the machine's load during the benchmark
 * touches all of them alike; each figure is the median of REPEATS epochs.
 * Prints the rates, the scaling ratio and the fixed/OpenBLAS ratio. */
static int bench_training(const char *name, const struct wl_network *net,
			  const struct nn_dataset *d, FILE *tsv, gsl_rng *rng, struct sim_err *err)
{
	enum { NB = NN_GEMM_BACKEND_COUNT, NT = 2 };
	struct nn_model m[NB][NT];
	memset(m, 0, sizeof m);
	int rc = 0;
	for (int b = 0; b < NB && !rc; b++)
		for (uint32_t t = 0; t < NT && !rc; t++) {
			rc = nn_model_init(&m[b][t], net, 64, t + 1, err);
			if (!rc)
				rc = nn_model_set_gemm(&m[b][t], (enum nn_gemm_backend)b,
						       sim_isa_detect(), err);
			if (!rc)
				nn_model_init_weights(&m[b][t], NN_INIT_HE, rng);
		}
	double wall[NB][NT][REPEATS], cpu[NB][NT][REPEATS];
	for (int r = 0; r < REPEATS && !rc; r++)
		for (int b = 0; b < NB; b++)
			for (uint32_t t = 0; t < NT; t++) {
				struct rate x = train_rate(&m[b][t], d, 64);
				wall[b][t][r] = x.wall_per_s;
				cpu[b][t][r] = x.cpu_per_s;
			}
	for (int b = 0; b < NB; b++)
		for (uint32_t t = 0; t < NT; t++)
			nn_model_deinit(&m[b][t]);
	if (rc)
		return rc;
	struct rate med[NB][NT];
	for (int b = 0; b < NB; b++)
		for (uint32_t t = 0; t < NT; t++) {
			gsl_sort(wall[b][t], 1, REPEATS);
			gsl_sort(cpu[b][t], 1, REPEATS);
			med[b][t].wall_per_s = gsl_stats_median_from_sorted_data(wall[b][t], 1, REPEATS);
			med[b][t].cpu_per_s = gsl_stats_median_from_sorted_data(cpu[b][t], 1, REPEATS);
			printf("%-14s training  batch   64, %u thread%s, %-8s: %7.0f img/CPU-s %7.0f "
			       "img/s (wall), median of %d epochs incl. evaluation\n",
			       name, t + 1, t ? "s" : " ", nn_gemm_backend_names[b], med[b][t].cpu_per_s,
			       med[b][t].wall_per_s, REPEATS);
			if (tsv && b == NN_GEMM_FIXED)
				fprintf(tsv, "%s\ttrain\t64\t%u\t%.0f\t%.0f\n", name, t + 1,
					med[b][t].cpu_per_s, med[b][t].wall_per_s);
		}
	for (int b = 0; b < NB; b++)
		printf("%-14s %-8s scaling 2 vs 1 thread: %.2fx wall, %.2fx per CPU-second\n", name,
		       nn_gemm_backend_names[b], med[b][1].wall_per_s / med[b][0].wall_per_s,
		       med[b][1].cpu_per_s / med[b][0].cpu_per_s);
	for (uint32_t t = 0; t < NT; t++)
		printf("%-14s fixed/openblas at %u thread%s: %.2fx images per CPU-second\n", name, t + 1,
		       t ? "s" : "", med[NN_GEMM_FIXED][t].cpu_per_s / med[NN_GEMM_OPENBLAS][t].cpu_per_s);
	return 0;
}

static struct rate infer_rate(struct nn_model *m, const struct nn_dataset *d, uint32_t batch,
			      uint64_t images)
{
	const uint64_t img = (uint64_t)d->c * d->h * d->w, per_pass = d->n / batch;
	nn_model_forward(m, d->images, d->labels, batch, NULL, NULL, NULL);
	double w0 = sim_clock_s(CLOCK_MONOTONIC), c0 = sim_clock_s(CLOCK_PROCESS_CPUTIME_ID);
	for (uint64_t s = 0; s * batch < images; s++) {
		uint64_t first = (s % per_pass) * batch;
		nn_model_forward(m, d->images + first * img, d->labels + first, batch, NULL, NULL,
				 NULL);
	}
	uint64_t done = (images + batch - 1) / batch * batch;
	double w = sim_clock_s(CLOCK_MONOTONIC) - w0, c = sim_clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
	return (struct rate){(double)done / w, (double)done / c};
}

/* Fashion-MNIST training images, or 10,000 random ones when not installed. */
static int load_data(struct nn_dataset *d, struct sim_err *err)
{
	if (nn_dataset_load_dir(d, NN_DEFAULT_DATA_DIR, "train", err) == 0) {
		double mean, std;
		nn_dataset_stats(d, &mean, &std);
		nn_dataset_normalize(d, mean, std);
		return 0;
	}
	nn_dataset_deinit(d);
	printf("(%s not readable: random images)\n", NN_DEFAULT_DATA_DIR);
	d->n = 10000;
	d->c = 1;
	d->h = d->w = 28;
	d->n_classes = 10;
	d->images = malloc(d->n * 784 * sizeof(float));
	d->labels = malloc(d->n);
	if (!d->images || !d->labels)
		return sim_err_set(err, SIM_ERR_NOMEM, NULL, 0, 0, "out of memory");
	srand(1);
	for (uint64_t i = 0; i < d->n * 784; i++)
		d->images[i] = (float)rand() / (float)RAND_MAX - 0.5f;
	for (uint64_t i = 0; i < d->n; i++)
		d->labels[i] = (uint8_t)(i % 10);
	return 0;
}

static int bench_net(const char *name, const struct nn_dataset *d, FILE *tsv,
		     struct sim_err *err)
{
	char path[256];
	snprintf(path, sizeof path, "configs/networks/%s.yaml", name);
	struct wl_network net;
	struct nn_model m = {0};
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	int rc = wl_network_load(&net, path, err);
	if (rc || (rc = bench_training(name, &net, d, tsv, rng, err)))
		goto done;
	static const struct {
		uint32_t batch, threads;
	} runs[] = {{1, 1}, {1000, 1}, {1000, 2}};
	for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
		if ((rc = nn_model_init(&m, &net, runs[i].batch, runs[i].threads, err)))
			goto done;
		nn_model_init_weights(&m, NN_INIT_XAVIER, rng);
		struct rate r = infer_rate(&m, d, runs[i].batch, runs[i].batch == 1 ? 20000 : 50000);
		printf("%-14s inference batch %4u, %u thread%s: %9.0f img/CPU-s %9.0f img/s (wall)\n",
		       name, runs[i].batch, runs[i].threads, runs[i].threads > 1 ? "s" : " ",
		       r.cpu_per_s, r.wall_per_s);
		if (tsv)
			fprintf(tsv, "%s\tinfer\t%u\t%u\t%.0f\t%.0f\n", name, runs[i].batch,
				runs[i].threads, r.cpu_per_s, r.wall_per_s);
		nn_model_deinit(&m);
	}
done:
	nn_model_deinit(&m);
	wl_network_deinit(&net);
	gsl_rng_free(rng);
	return rc;
}

int main(int argc, char **argv)
{
	(void)argc;
	struct sim_err err;
	struct nn_dataset d = {0};
	if (load_data(&d, &err)) {
		sim_err_print(&err, stderr);
		return 1;
	}
	char tsv_path[1024];
	const char *slash = strrchr(argv[0], '/');
	snprintf(tsv_path, sizeof tsv_path, "%.*strain.tsv", slash ? (int)(slash - argv[0] + 1) : 0,
		 argv[0]);
	FILE *tsv = fopen(tsv_path, "w");
	if (tsv)
		fprintf(tsv, "network\tmode\tbatch\tthreads\timg_per_cpu_s\timg_per_s\n");
	int rc = bench_net("lenet-300-100", &d, tsv, &err) || bench_net("lenet-5", &d, tsv, &err);
	if (tsv)
		fclose(tsv);
	nn_dataset_deinit(&d);
	if (rc) {
		sim_err_print(&err, stderr);
		return 1;
	}
	return 0;
}
