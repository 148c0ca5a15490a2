/* The state of one sweep run shared by its steps (run.c orchestrates,
 * baseline.c and run_points.c do the work): progress reporting and the
 * append of one finished row to results.csv. Lowest of the runner's files:
 * it calls none of them. */
#include "sweep/run_state.h"

#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/mem.h"

/* Metric columns after the axes; the plots and the README rely on the names. */
const char *const sweep_metric_cols[SWEEP_N_METRICS] = {
	"accuracy", "accuracy_floor", "energy_total", "energy_dram", "energy_glb",
	"energy_array", "energy_rf", "energy_mac", "energy_ifmap", "energy_weight",
	"energy_psum", "macs_effective", "weights_nonzero", "density", "storage_bits",
	"cycles", "energy_unit", "layers", "pareto",
};
static_assert(sizeof sweep_metric_cols / sizeof sweep_metric_cols[0] == SWEEP_N_METRICS,
	      "one name per metric");

void sweep_run_shared_init(struct run *r)
{
	pthread_mutex_init(&r->lock, NULL);
	mask_cache_init(&r->masks);
}

struct cohort *sweep_cohort_of(struct run *r, uint64_t seed)
{
	for (size_t i = 0; i < r->n_cohorts; i++)
		if (r->cohorts[i].seed == seed)
			return &r->cohorts[i];
	assert(!"every point's seed has a cohort");
	return NULL;
}

static void fmt_duration(char *buf, size_t size, double s)
{
	if (s < 60)
		snprintf(buf, size, "%.0fs", s);
	else if (s < 3600)
		snprintf(buf, size, "%dm%02ds", (int)s / 60, (int)s % 60);
	else
		snprintf(buf, size, "%dh%02dm", (int)s / 3600, ((int)s % 3600) / 60);
}

/* Status after a point finished; caller holds the lock. */
static void progress_point(struct run *r, const char *id, const char *origin, double acc,
			   double energy)
{
	r->done++;
	if (r->o->quiet)
		return;
	double el = sim_now_s() - r->t0;
	char eta[32], elapsed[32], ranks[64] = "", where[300] = "";
	fmt_duration(elapsed, sizeof elapsed, el);
	fmt_duration(eta, sizeof eta, r->done ? el / (double)r->done * (double)(r->total - r->done) : 0);
	if (r->ranks)
		snprintf(ranks, sizeof ranks, ", %zu of %zu ranks running", r->ranks_busy, r->ranks);
	if (origin || r->ranks)
		snprintf(where, sizeof where, " on %s", origin ? origin : "rank 0");
	if (r->o->progress_tty)
		fprintf(stderr, "\r\033[K[%s] %zu/%zu points%s, %s elapsed, ETA %s", r->e->name,
			r->done, r->total, ranks, elapsed, eta);
	else
		fprintf(stderr, "%s: point %zu/%zu %s accuracy %.2f energy %.4g%s%s (%s elapsed, ETA %s)\n",
			r->e->name, r->done, r->total, id, acc, energy, where, ranks, elapsed, eta);
	if (r->o->progress_tty && r->done == r->total)
		fputc('\n', stderr);
}

void sweep_progress_line(struct run *r, const char *fmt, ...)
{
	if (r->o->quiet)
		return;
	va_list ap;
	va_start(ap, fmt);
	if (r->o->progress_tty)
		fputs("\r\033[K", stderr);
	fprintf(stderr, "[%s] ", r->e->name);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* Appends a row (point id, axis values, metrics) under the lock. */
int sweep_row_append(struct run *r, const char *id, size_t point, const struct row_metrics *m,
		      struct sim_err *err)
{
	size_t n_axes = r->e->n_axes, n = 1 + n_axes + SWEEP_N_METRICS;
	char num[SWEEP_N_METRICS][48];
	char *layers = sim_malloc(16384, err);
	const char **cells = sim_calloc(n, sizeof *cells, err);
	if (!layers || !cells) {
		free(layers);
		free(cells);
		return SIM_ERR_NOMEM;
	}
	const struct net_result *en = m->en;
	double v[SWEEP_N_METRICS] = {
		m->accuracy, m->accuracy_floor, en->energy_total, en->energy_level[EN_DRAM],
		en->energy_level[EN_GLB], en->energy_level[EN_ARRAY], en->energy_level[EN_RF],
		en->energy_mac, en->energy_type[TY_IFMAP], en->energy_type[TY_WEIGHT],
		en->energy_type[TY_PSUM], en->macs_effective, m->weights_nonzero,
		m->weights > 0 ? m->weights_nonzero / m->weights : NAN, m->storage_bits, en->cycles,
	};
	char seed[24];
	snprintf(seed, sizeof seed, "%llu", (unsigned long long)m->seed);
	cells[0] = id;
	for (size_t a = 0; a < n_axes; a++)
		cells[1 + a] = point != (size_t)-1 ? sweep_experiment_value(r->e, point, a)
			       : strcmp(sweep_experiment_axis_name(r->e, a), "seed") == 0 ? seed
										  : "-";
	/* A network with a layer no mapping fits has no energy: NaN keeps it off the front. */
	for (size_t k = 2; !en->ok && k <= 11; k++)
		v[k] = NAN;
	if (!en->ok)
		v[15] = NAN;
	for (size_t k = 0; k < SWEEP_N_METRICS; k++) {
		snprintf(num[k], sizeof num[k], "%.8g", v[k]);
		cells[1 + n_axes + k] = num[k];
	}
	cells[1 + n_axes + 16] = m->hw->table.unit;
	sweep_pack_layers(m->hw, en, layers, 16384);
	cells[1 + n_axes + 17] = layers;
	cells[1 + n_axes + 18] = "0"; /* Pareto marks are settled at the end */
	int rc = r->sink.send ? r->sink.send(r->sink.ctx, point, cells, n, m->accuracy,
					      en->energy_total, err)
			      : sweep_row_record(r, cells, point, NULL, m->accuracy, en->energy_total,
						 err);
	free(layers);
	free(cells);
	return rc;
}

int sweep_row_record(struct run *r, const char *const *cells, size_t point, const char *origin,
		     double accuracy, double energy, struct sim_err *err)
{
	pthread_mutex_lock(&r->lock);
	int rc = sweep_results_append(&r->res, cells, err);
	if (rc == 0 && point != (size_t)-1)
		progress_point(r, cells[0], origin, accuracy, energy);
	pthread_mutex_unlock(&r->lock);
	return rc;
}
