/* Sweep execution (see run.h): results file, groups, workers, Pareto marks.
 * The points themselves are in run_points.c, the baseline in baseline.c, the
 * shared state and row append in run_state.c. The plots are not drawn here
 * (the sweep sits below report/): the caller draws them from results.csv.
 *
 * Accuracy sweeps (a dataset is given): for each seed of the points (a
 * cohort, baseline.c), the training set loses val_images images (a split
 * drawn from the seed) that decide the pruning; the test set is only used to
 * report accuracy. Each seed's baseline is trained once with the base point's
 * training fields and kept as a checkpoint in the results folder; a later run
 * reuses it when its network hash and training metadata match. Points that differ
 * only in wbits/abits form one group: the group prunes once (pruning sees the
 * hardware at its native word width), then each point quantises the pruned
 * weights linearly to its wbits, quantises the CONV/FC inputs to its abits at
 * inference (nn_model_set_act_quant), measures test accuracy and
 * input-activation densities, and is simulated at its bitwidths (0 bits:
 * float in the trainer, the architecture's word in the simulator).
 *
 * Energy-only sweeps (no dataset): each point simulates the network with the
 * point's sparsity profile (dense when none) at its bitwidths. */
#include "sweep/run.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/mem.h"
#include "sweep/pareto.h"
#include "sweep/baseline.h"
#include "sweep/run_points.h"
#include "sweep/run_state.h"

/* ---- workers ------------------------------------------------------------- */

static bool point_done(struct run *r, size_t p)
{
	return sweep_results_find(&r->res, r->e->ids[p]) >= 0;
}

static void *worker(void *arg)
{
	struct run *r = arg;
	for (;;) {
		pthread_mutex_lock(&r->lock);
		size_t g = r->next_group++;
		int stop = r->rc != 0 || g >= r->n_groups;
		pthread_mutex_unlock(&r->lock);
		if (stop)
			break;
		struct sim_err err;
		sim_err_clear(&err);
		int rc;
		if (r->accuracy_sweep) {
			rc = sweep_group_run(r, g, &err);
		} else {
			rc = 0;
			for (size_t p = 0; p < r->e->n_points && rc == 0; p++)
				if (r->group_of[p] == g)
					rc = sweep_point_run_energy(r, p, &err);
		}
		if (rc) {
			pthread_mutex_lock(&r->lock);
			if (r->rc == 0) {
				r->rc = rc;
				r->err = err;
			}
			pthread_mutex_unlock(&r->lock);
		}
	}
	return NULL;
}

/* Groups the points still to run: accuracy points by everything but their
 * bitwidths, energy-only points one per group. */
static int make_groups(struct run *r, struct sim_err *err)
{
	const struct sweep_experiment *e = r->e;
	r->group_of = sim_malloc(e->n_points * sizeof *r->group_of, err);
	size_t *rep = sim_malloc(e->n_points * sizeof *rep, err);
	if (!r->group_of || !rep) {
		free(rep);
		return SIM_ERR_NOMEM;
	}
	r->n_groups = 0;
	for (size_t p = 0; p < e->n_points; p++) {
		r->group_of[p] = (size_t)-1;
		if (point_done(r, p))
			continue;
		r->total++;
		size_t g = r->n_groups;
		if (r->accuracy_sweep) {
			struct sweep_point a = e->points[p];
			a.wbits = a.abits = 0;
			for (size_t k = 0; k < r->n_groups; k++) {
				struct sweep_point b = e->points[rep[k]];
				b.wbits = b.abits = 0;
				if (memcmp(&a, &b, sizeof a) == 0) {
					g = k;
					break;
				}
			}
		}
		if (g == r->n_groups)
			rep[r->n_groups++] = p;
		r->group_of[p] = g;
	}
	free(rep);
	return 0;
}

/* ---- Pareto and the whole run ------------------------------------------- */

static int mark_pareto(struct run *r, struct sim_err *err)
{
	struct sweep_results *res = &r->res;
	size_t n = res->n_rows;
	long ce = sweep_results_col(res, "energy_total");
	long cy = sweep_results_col(res, r->accuracy_sweep ? "accuracy" : "cycles");
	long cp = sweep_results_col(res, "pareto");
	double *x = sim_calloc(n + 1, sizeof *x, err), *y = sim_calloc(n + 1, sizeof *y, err);
	bool *front = sim_calloc(n + 1, sizeof *front, err);
	int rc = (!x || !y || !front) ? SIM_ERR_NOMEM : 0;
	for (size_t i = 0; !rc && i < n; i++) {
		x[i] = strtod(res->rows[i].cells[ce], NULL);
		y[i] = strtod(res->rows[i].cells[cy], NULL);
	}
	if (!rc)
		rc = pareto_mark(x, PARETO_MIN, y, r->accuracy_sweep ? PARETO_MAX : PARETO_MIN, n,
				 front, err);
	for (size_t i = 0; !rc && i < n; i++) {
		char *mark = sim_strdup(front[i] ? "1" : "0", err);
		if (!mark) {
			rc = SIM_ERR_NOMEM;
			break;
		}
		free(res->rows[i].cells[cp]);
		res->rows[i].cells[cp] = mark;
	}
	if (!rc)
		rc = sweep_results_rewrite(res, err);
	free(x);
	free(y);
	free(front);
	return rc;
}

static int make_dirs(const char *path, struct sim_err *err)
{
	char buf[512];
	snprintf(buf, sizeof buf, "%s", path);
	for (char *p = buf + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(buf, 0755) != 0 && errno != EEXIST)
			return sim_err_set(err, SIM_ERR_IO, buf, 0, 0, "cannot create: %s", strerror(errno));
		*p = c;
		if (c == '\0')
			return 0;
	}
}

int sweep_run(const char *experiment_path, const struct sweep_run_opts *o,
	      struct sweep_summary *s, struct sim_err *err)
{
	memset(s, 0, sizeof *s);
	struct sweep_experiment e;
	int rc = sweep_experiment_load(&e, experiment_path, err);
	if (rc)
		return rc;
	struct run r;
	memset(&r, 0, sizeof r);
	r.e = &e;
	r.o = o;
	r.accuracy_sweep = e.base.dataset[0] != '\0';
	pthread_mutex_init(&r.lock, NULL);
	char dir[400];
	if (o->results_dir) {
		snprintf(dir, sizeof dir, "%s", o->results_dir);
	} else {
		const char *slash = strrchr(experiment_path, '/');
		int len = slash ? (int)(slash - experiment_path) : 1;
		snprintf(dir, sizeof dir, "%.*s/%s", len, slash ? experiment_path : ".", e.name);
	}
	snprintf(s->results_csv, sizeof s->results_csv, "%s/results.csv", dir);
	snprintf(s->name, sizeof s->name, "%s", e.name);
	snprintf(r.dir, sizeof r.dir, "%s", dir);

	size_t n_cols = 1 + e.n_axes + SWEEP_N_METRICS;
	const char **cols = sim_calloc(n_cols, sizeof *cols, err);
	int jobs = o->jobs > 0 ? o->jobs : (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (jobs < 1)
		jobs = 1;
	pthread_t *threads = sim_calloc((size_t)jobs, sizeof *threads, err);
	if (!cols || !threads) {
		rc = SIM_ERR_NOMEM;
		goto out;
	}
	cols[0] = "point";
	for (size_t a = 0; a < e.n_axes; a++)
		cols[1 + a] = sweep_experiment_axis_name(&e, a);
	for (size_t k = 0; k < SWEEP_N_METRICS; k++)
		cols[1 + e.n_axes + k] = sweep_metric_cols[k];
	if (r.accuracy_sweep && (rc = sweep_baseline_check(&e, err)))
		goto out;
	if ((rc = make_dirs(dir, err)) ||
	    (rc = sweep_results_open(&r.res, s->results_csv, cols, n_cols, err)))
		goto out;
	if (r.res.dropped_partial)
		sweep_progress_line(&r, "dropped a half-written last row of %s; that point runs again",
			      s->results_csv);
	r.t0 = sweep_now_s();
	if ((rc = make_groups(&r, err)))
		goto out;
	s->points = e.n_points;
	s->skipped = e.n_points - r.total;
	if (s->skipped)
		sweep_progress_line(&r, "%zu of %zu points already in %s", s->skipped, e.n_points,
			      s->results_csv);
	if (r.accuracy_sweep) {
		if ((rc = sweep_cohorts_init(&r, err)) || (rc = sweep_data_load(&r, err)))
			goto out;
		for (size_t k = 0; k < r.n_cohorts; k++) {
			struct cohort *c = &r.cohorts[k];
			if (c->needed && ((rc = sweep_baseline_train(&r, c, jobs, err)) ||
					  (rc = sweep_baseline_row(&r, c, err))))
				goto out;
		}
		r.t0 = sweep_now_s();
	}
	int n_workers = jobs < (int)r.n_groups ? jobs : (int)r.n_groups;
	int started = 0;
	for (; started < n_workers; started++)
		if (pthread_create(&threads[started], NULL, worker, &r) != 0)
			break;
	if (started == 0 && n_workers > 0)
		worker(&r);
	for (int t = 0; t < started; t++)
		pthread_join(threads[t], NULL);
	if (r.rc) {
		*err = r.err;
		rc = r.rc;
		goto out;
	}
	s->ran = r.done;
	rc = mark_pareto(&r, err);
out:
	sweep_results_deinit(&r.res);
	for (size_t k = 0; k < r.n_cohorts; k++) {
		nn_dataset_deinit(&r.cohorts[k].train);
		nn_dataset_deinit(&r.cohorts[k].val);
		nn_dataset_deinit(&r.cohorts[k].check);
	}
	free(r.cohorts);
	nn_dataset_deinit(&r.test);
	free(r.group_of);
	free(cols);
	free(threads);
	pthread_mutex_destroy(&r.lock);
	sweep_experiment_deinit(&e);
	return rc;
}
