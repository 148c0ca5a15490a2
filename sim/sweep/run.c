/* Sweep execution (see run.h and run_steps.h): results file, groups,
 * workers, Pareto marks. The points themselves are in run_points.c, the
 * baseline in baseline.c, the shared state and row append in run_state.c.
 * The plots are not drawn here (the sweep sits below report/): the caller
 * draws them from results.csv.
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
 * point's sparsity profile (dense when none) at its bitwidths; every point is
 * a group of its own.
 *
 * Shards (--shard K/N): groups are formed over all points, done or not, and
 * a group belongs to shard (first point's id as a 64-bit number) mod N, so
 * the split depends only on the experiment: every shard, started anywhere
 * and restarted any number of times, agrees on it. */
#include "sweep/run_steps.h"

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

/* ---- groups -------------------------------------------------------------- */

/* Do points a and b share a pruning run (equal but for their bits)? */
static bool same_group(const struct sweep_point *a, const struct sweep_point *b)
{
	struct sweep_point x = *a, y = *b;
	x.wbits = x.abits = y.wbits = y.abits = 0;
	return memcmp(&x, &y, sizeof x) == 0;
}

/* Is point p still to do in this run (not in the results file, and in this
 * shard when sharded)? all_group is p's group among all points, rep its first. */
static bool to_do(const struct run *r, size_t p, size_t rep, struct sweep_summary *s)
{
	const struct sweep_experiment *e = r->e;
	if (sweep_results_find(&r->res, e->ids[p]) >= 0)
		return false;
	unsigned shards = r->o->shard_count;
	if (shards > 1 && strtoull(e->ids[rep], NULL, 16) % shards != r->o->shard_index) {
		s->outside_shard++;
		return false;
	}
	return true;
}

/* Groups the points this run still has to do: accuracy points by everything
 * but their bitwidths, energy-only points one per group; points already in
 * the results file or in another shard are left out. Run groups are numbered
 * in order of their first point, and list their points in experiment order. */
static int make_groups(struct run *r, struct sweep_summary *s, struct sim_err *err)
{
	const struct sweep_experiment *e = r->e;
	size_t n = e->n_points;
	size_t *rep = sim_malloc((n + 1) * sizeof *rep, err);    /* group of all -> first point */
	size_t *group = sim_malloc((n + 1) * sizeof *group, err); /* point -> run group or -1 */
	size_t *run_of = sim_malloc((n + 1) * sizeof *run_of, err); /* group of all -> run group */
	r->members = sim_malloc((n + 1) * sizeof *r->members, err);
	r->group_start = sim_calloc(n + 2, sizeof *r->group_start, err);
	int rc = (!rep || !group || !run_of || !r->members || !r->group_start) ? SIM_ERR_NOMEM : 0;
	size_t n_all = 0;
	for (size_t p = 0; !rc && p < n; p++) {
		size_t g = n_all;
		for (size_t k = 0; r->accuracy_sweep && k < n_all; k++)
			if (same_group(&e->points[p], &e->points[rep[k]])) {
				g = k;
				break;
			}
		if (g == n_all) {
			rep[n_all] = p;
			run_of[n_all++] = (size_t)-1;
		}
		group[p] = (size_t)-1;
		if (!to_do(r, p, rep[g], s))
			continue;
		if (run_of[g] == (size_t)-1)
			run_of[g] = r->n_groups++;
		group[p] = run_of[g];
		r->group_start[group[p] + 1]++;
		r->total++;
	}
	/* Counting sort: group_start[g] becomes g's first slot; run_of is reused
	 * as each group's next free slot. */
	for (size_t g = 0; !rc && g < r->n_groups; g++) {
		r->group_start[g + 1] += r->group_start[g];
		run_of[g] = r->group_start[g];
	}
	for (size_t p = 0; !rc && p < n; p++)
		if (group[p] != (size_t)-1)
			r->members[run_of[group[p]]++] = p;
	free(rep);
	free(group);
	free(run_of);
	return rc;
}

const size_t *sweep_run_group(const struct run *r, size_t g, size_t *n)
{
	*n = r->group_start[g + 1] - r->group_start[g];
	return &r->members[r->group_start[g]];
}

bool sweep_run_take(struct run *r, size_t *g)
{
	pthread_mutex_lock(&r->lock);
	bool ok = r->rc == 0 && r->next_group < r->n_groups;
	if (ok)
		*g = r->next_group++;
	pthread_mutex_unlock(&r->lock);
	return ok;
}

void sweep_run_fail(struct run *r, int rc, const struct sim_err *err)
{
	pthread_mutex_lock(&r->lock);
	if (r->rc == 0) {
		r->rc = rc;
		r->err = *err;
	}
	pthread_mutex_unlock(&r->lock);
}

void *sweep_run_worker(void *arg)
{
	struct run *r = arg;
	size_t g;
	while (sweep_run_take(r, &g)) {
		struct sim_err err;
		sim_err_clear(&err);
		size_t n;
		const size_t *points = sweep_run_group(r, g, &n);
		int rc = sweep_points_run(r, points, n, &err);
		if (rc)
			sweep_run_fail(r, rc, &err);
	}
	return NULL;
}

/* ---- the whole run ------------------------------------------------------- */

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

int sweep_run_open(struct run *r, struct sweep_experiment *e, const char *experiment_path,
		   const struct sweep_run_opts *o, struct sweep_summary *s, struct sim_err *err)
{
	memset(s, 0, sizeof *s);
	memset(r, 0, sizeof *r);
	memset(e, 0, sizeof *e);
	r->e = e;
	r->o = o;
	sweep_run_shared_init(r);
	if (o->shard_count > 1 && o->shard_index >= o->shard_count)
		return sim_err_set(err, SIM_ERR_USAGE, NULL, 0, 0, "shard %u of %u: the shard must be "
				   "in [0, %u)", o->shard_index, o->shard_count, o->shard_count);
	int rc = sweep_experiment_load(e, experiment_path, err);
	if (rc)
		return rc;
	r->accuracy_sweep = e->base.dataset[0] != '\0';
	char dir[400];
	if (o->results_dir) {
		snprintf(dir, sizeof dir, "%s", o->results_dir);
	} else {
		const char *slash = strrchr(experiment_path, '/');
		int len = slash ? (int)(slash - experiment_path) : 1;
		snprintf(dir, sizeof dir, "%.*s/%s", len, slash ? experiment_path : ".", e->name);
	}
	if (o->shard_count > 1)
		snprintf(s->results_csv, sizeof s->results_csv, "%s/results.shard-%u-of-%u.csv", dir,
			 o->shard_index, o->shard_count);
	else
		snprintf(s->results_csv, sizeof s->results_csv, "%s/results.csv", dir);
	snprintf(s->name, sizeof s->name, "%s", e->name);
	snprintf(r->dir, sizeof r->dir, "%s", dir);

	size_t n_cols = 1 + e->n_axes + SWEEP_N_METRICS;
	const char **cols = sim_calloc(n_cols, sizeof *cols, err);
	if (!cols)
		return SIM_ERR_NOMEM;
	cols[0] = "point";
	for (size_t a = 0; a < e->n_axes; a++)
		cols[1 + a] = sweep_experiment_axis_name(e, a);
	for (size_t k = 0; k < SWEEP_N_METRICS; k++)
		cols[1 + e->n_axes + k] = sweep_metric_cols[k];
	if (r->accuracy_sweep)
		rc = sweep_baseline_check(e, err);
	if (!rc && !(rc = make_dirs(dir, err)))
		rc = sweep_results_open(&r->res, s->results_csv, cols, n_cols, err);
	free(cols);
	if (rc)
		return rc;
	if (r->res.dropped_partial)
		sweep_progress_line(r, "dropped a half-written last row of %s; that point runs again",
				    s->results_csv);
	if ((rc = make_groups(r, s, err)))
		return rc;
	s->points = e->n_points;
	s->skipped = e->n_points - r->total - s->outside_shard;
	if (s->skipped)
		sweep_progress_line(r, "%zu of %zu points already in %s", s->skipped, e->n_points,
				    s->results_csv);
	if (s->outside_shard)
		sweep_progress_line(r, "%zu points belong to the other %u shards", s->outside_shard,
				    o->shard_count - 1);
	r->t0 = sim_now_s();
	return 0;
}

/* Cohorts this run needs: those of the points it runs, and, in one
 * process, those whose baseline row is missing. A shard trains (or reuses)
 * only the baselines of its own points; each writes their rows, and merging
 * keeps one. */
static void cohorts_needed(struct run *r)
{
	if (r->o->shard_count <= 1)
		return;
	for (size_t k = 0; k < r->n_cohorts; k++)
		r->cohorts[k].needed = false;
	for (size_t i = 0; i < r->total; i++)
		sweep_cohort_of(r, r->e->points[r->members[i]].seed)->needed = true;
}

int sweep_run_prepare(struct run *r, int train_threads, struct sim_err *err)
{
	if (!r->accuracy_sweep)
		return 0;
	int rc = sweep_cohorts_init(r, err);
	if (!rc) {
		cohorts_needed(r);
		rc = sweep_data_load(r, err);
	}
	for (size_t k = 0; !rc && k < r->n_cohorts; k++) {
		struct cohort *c = &r->cohorts[k];
		if (c->needed && !(rc = sweep_baseline_train(r, c, train_threads, err)))
			rc = sweep_baseline_row(r, c, err);
	}
	r->t0 = sim_now_s();
	return rc;
}

int sweep_run_close(struct run *r, struct sweep_summary *s, struct sim_err *err)
{
	if (r->rc) {
		*err = r->err;
		return r->rc;
	}
	s->ran = r->done;
	return pareto_mark_results(&r->res, r->accuracy_sweep, err);
}

void sweep_run_deinit(struct run *r)
{
	sweep_results_deinit(&r->res);
	for (size_t k = 0; k < r->n_cohorts; k++) {
		nn_dataset_deinit(&r->cohorts[k].train);
		nn_dataset_deinit(&r->cohorts[k].val);
		nn_dataset_deinit(&r->cohorts[k].check);
	}
	free(r->cohorts);
	nn_dataset_deinit(&r->test);
	free(r->members);
	free(r->group_start);
	pthread_mutex_destroy(&r->lock);
	mask_cache_deinit(&r->masks);
	memset(r, 0, sizeof *r);
}

int sweep_run(const char *experiment_path, const struct sweep_run_opts *o,
	      struct sweep_summary *s, struct sim_err *err)
{
	struct sweep_experiment e;
	struct run r;
	pthread_t *threads = NULL;
	int jobs = o->jobs > 0 ? o->jobs : (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (jobs < 1)
		jobs = 1;
	int rc = sweep_run_open(&r, &e, experiment_path, o, s, err);
	if (!rc)
		rc = sweep_run_prepare(&r, jobs, err);
	if (!rc && !(threads = sim_calloc((size_t)jobs, sizeof *threads, err)))
		rc = SIM_ERR_NOMEM;
	if (!rc) {
		int n_workers = jobs < (int)r.n_groups ? jobs : (int)r.n_groups;
		int started = 0;
		for (; started < n_workers; started++)
			if (pthread_create(&threads[started], NULL, sweep_run_worker, &r) != 0)
				break;
		if (started == 0 && n_workers > 0)
			sweep_run_worker(&r);
		for (int t = 0; t < started; t++)
			pthread_join(threads[t], NULL);
		rc = sweep_run_close(&r, s, err);
	}
	free(threads);
	sweep_run_deinit(&r);
	sweep_experiment_deinit(&e);
	return rc;
}
