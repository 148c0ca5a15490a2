/* Sweeps over MPI ranks (see run_mpi.h): rank 0 coordinates, every rank
 * (rank 0 too, on a second thread) runs groups of points.
 *
 * Protocol, on MPI_COMM_WORLD, point-to-point between rank 0 and each worker
 * rank; a worker has at most one request outstanding, so rank 0 answers
 * every message at once and never waits on a worker:
 *   worker -> 0  HELLO  its host, pid and a fingerprint of the experiment it
 *                       loaded (point count and a hash of every point id):
 *                       every rank must see the same experiment
 *   0 -> worker  CKPT   accuracy sweeps: a seed's baseline checkpoint (the
 *                       seed, then the file's bytes), once per rank and
 *                       seed, before the rank's first group of that seed;
 *                       the worker caches it in a private temporary folder
 *   0 -> worker  WORK   a group: the indices of its points (a pruning run
 *                       and its bit variants, or one energy-only point)
 *   worker -> 0  ROW    each finished point: point index, accuracy, energy
 *                       and the row's cells; rank 0 appends it to the
 *                       results file (fsync'd) exactly as its own rows
 *   worker -> 0  DONE   the group is finished: a request for the next
 *   worker -> 0  FAIL   the error that stopped it (a struct sim_err)
 *   0 -> worker  STOP   nothing more to do (all taken, or a failure)
 * Messages are raw bytes: every rank runs the same esim binary on x86-64.
 *
 * Failures: a worker's error reaches rank 0 as FAIL, is reported with the
 * rank and its host, and no further group is handed out; groups already
 * running finish and their rows are kept. A rank that dies (killed, out of
 * memory) makes the MPI runtime end every rank of the job (mpirun names the
 * rank, its pid and host); the rows already appended stay, a half-written
 * last row is dropped on the next start, and the next start resumes.
 *
 * Waiting: Open MPI's blocking receive spins at 100% of a core. A rank that
 * waits (rank 0 between messages, the workers while rank 0 trains the
 * baseline) would take that core from the ranks working beside it, so
 * waiting probes with growing sleeps (20 us to 2 ms): a reply is at most
 * 2 ms late. */
#include "sweep/run_mpi.h"

#include <assert.h>
#include <limits.h>
#include <mpi.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/mem.h"
#include "core/outfile.h"
#include "nn/checkpoint.h"
#include "sweep/baseline.h"
#include "sweep/run_points.h"
#include "sweep/run_steps.h"

/* Point indices travel as MPI_UINT64_T. */
static_assert(sizeof(size_t) == sizeof(uint64_t), "size_t is 64 bits");

enum tag { TAG_HELLO = 1, TAG_CKPT, TAG_WORK, TAG_ROW, TAG_DONE, TAG_FAIL, TAG_STOP };

struct hello {
	uint64_t n_points, ids_hash;
	int32_t pid;
	char host[MPI_MAX_PROCESSOR_NAME];
};

struct row_head {
	uint64_t point;
	double accuracy, energy;
};

/* ---- messages ------------------------------------------------------------ */

/* Blocks until a message from source (or MPI_ANY_SOURCE) is there, sleeping
 * between probes (see the top of the file). */
static void wait_message(int source, MPI_Status *st)
{
	long sleep_ns = 0;
	for (;;) {
		int flag = 0;
		MPI_Iprobe(source, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, st);
		if (flag)
			return;
		sleep_ns = sleep_ns == 0 ? 20000 : sleep_ns * 2 > 2000000 ? 2000000 : sleep_ns * 2;
		struct timespec ts = {0, sleep_ns};
		nanosleep(&ts, NULL);
	}
}

/* Receives the probed message into a new buffer (one spare NUL byte after
 * it); caller frees. A message that cannot be received leaves the two ends
 * out of step for good: the job is aborted (the results file stays valid
 * and a restart resumes). */
static char *recv_probed(const MPI_Status *st, int *len)
{
	struct sim_err err;
	MPI_Get_count(st, MPI_BYTE, len);
	char *buf = sim_malloc((size_t)*len + 1, &err);
	if (!buf) {
		sim_err_print(&err, stderr);
		MPI_Abort(MPI_COMM_WORLD, 1);
	}
	MPI_Recv(buf, *len, MPI_BYTE, st->MPI_SOURCE, st->MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
	buf[*len] = '\0';
	return buf;
}

static void send_bytes(const void *buf, size_t len, int dest, enum tag tag)
{
	MPI_Send(buf, (int)len, MPI_BYTE, dest, tag, MPI_COMM_WORLD);
}

/* The experiment as a rank sees it: every rank must agree. */
static void fingerprint(const struct sweep_experiment *e, struct hello *h)
{
	uint64_t hash = 0xcbf29ce484222325ull;
	for (size_t p = 0; p < e->n_points; p++)
		for (const char *c = e->ids[p]; *c; c++) {
			hash ^= (unsigned char)*c;
			hash *= 0x100000001b3ull;
		}
	h->n_points = e->n_points;
	h->ids_hash = hash;
}

/* ---- rank 0 -------------------------------------------------------------- */

struct coord {
	struct run *r;
	int size, stopped;
	char (*origin)[MPI_MAX_PROCESSOR_NAME + 32]; /* "rank k (host)" */
	bool *busy;
	bool *has_ckpt;   /* [rank * cohorts + cohort]: CKPT sent */
	char **ckpt;      /* per cohort: the seed and the checkpoint's bytes, read once */
	size_t *ckpt_len;
	struct hello mine;
	double handling_s; /* wall time spent on workers' messages */
	size_t rows;       /* rows received and recorded */
};

static void stop_rank(struct coord *c, int k)
{
	send_bytes(NULL, 0, k, TAG_STOP);
	c->stopped++;
}

static void set_busy(struct coord *c, int k, bool busy)
{
	if (c->busy[k] == busy)
		return;
	c->busy[k] = busy;
	pthread_mutex_lock(&c->r->lock);
	if (busy)
		c->r->ranks_busy++;
	else
		c->r->ranks_busy--;
	pthread_mutex_unlock(&c->r->lock);
}

/* Reads path into a new buffer after head free bytes; *len counts both. */
static int slurp(const char *path, size_t head, char **buf, size_t *len, struct sim_err *err)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return sim_err_set(err, SIM_ERR_IO, path, 0, 0, "cannot open");
	int rc = 0;
	long n = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
	if (n < 0 || n > INT_MAX - (long)head)
		rc = sim_err_set(err, SIM_ERR_IO, path, 0, 0, "cannot send: not a file under 2 GiB");
	else if (!(*buf = sim_malloc(head + (size_t)n + 1, err)))
		rc = SIM_ERR_NOMEM;
	else if (fseek(f, 0, SEEK_SET) != 0 || fread(*buf + head, 1, (size_t)n, f) != (size_t)n)
		rc = sim_err_set(err, SIM_ERR_IO, path, 0, 0, "read failed");
	*len = head + (size_t)(n > 0 ? n : 0);
	fclose(f);
	return rc;
}

/* Sends rank k the baseline checkpoint of the seed of the group at points
 * unless it has it (reading the file on first use). */
static int send_ckpt(struct coord *c, int k, const size_t *points, struct sim_err *err)
{
	struct run *r = c->r;
	uint64_t seed = r->e->points[points[0]].seed;
	size_t ci = (size_t)(sweep_cohort_of(r, seed) - r->cohorts);
	bool *sent = &c->has_ckpt[(size_t)k * r->n_cohorts + ci];
	if (*sent)
		return 0;
	if (!c->ckpt[ci]) {
		int rc = slurp(r->cohorts[ci].ckpt, sizeof seed, &c->ckpt[ci], &c->ckpt_len[ci], err);
		if (rc)
			return rc;
		memcpy(c->ckpt[ci], &seed, sizeof seed);
	}
	send_bytes(c->ckpt[ci], c->ckpt_len[ci], k, TAG_CKPT);
	*sent = true;
	return 0;
}

/* Hands rank k its next group, or stops it. */
static void serve(struct coord *c, int k)
{
	size_t g, n;
	set_busy(c, k, false);
	if (!sweep_run_take(c->r, &g)) {
		stop_rank(c, k);
		return;
	}
	const size_t *points = sweep_run_group(c->r, g, &n);
	struct sim_err err;
	int rc = c->r->accuracy_sweep ? send_ckpt(c, k, points, &err) : 0;
	if (rc) {
		sweep_run_fail(c->r, rc, &err);
		stop_rank(c, k);
		return;
	}
	MPI_Send(points, (int)n, MPI_UINT64_T, k, TAG_WORK, MPI_COMM_WORLD);
	set_busy(c, k, true);
}

/* A worker's failure: recorded (the first one is the sweep's error) and reported. */
static void worker_failed(struct coord *c, int k, struct sim_err *err)
{
	sim_err_prefix(err, "%s", c->origin[k]);
	sweep_run_fail(c->r, err->code ? (int)err->code : SIM_ERR_INTERNAL, err);
	set_busy(c, k, false);
	stop_rank(c, k);
}

static void on_hello(struct coord *c, int k, const char *buf, int len)
{
	struct hello h;
	struct sim_err err;
	if (len != (int)sizeof h) {
		sim_err_set(&err, SIM_ERR_INTERNAL, NULL, 0, 0, "malformed hello");
		worker_failed(c, k, &err);
		return;
	}
	memcpy(&h, buf, sizeof h);
	h.host[sizeof h.host - 1] = '\0';
	snprintf(c->origin[k], sizeof c->origin[k], "rank %d (%s, pid %d)", k, h.host, (int)h.pid);
	if (h.n_points != c->mine.n_points || h.ids_hash != c->mine.ids_hash) {
		sim_err_set(&err, SIM_ERR_USAGE, c->r->e->path, 0, 0,
			    "loads an experiment of %llu points that differs from rank 0's (%llu "
			    "points): start every rank in the same folder with the same files",
			    (unsigned long long)h.n_points, (unsigned long long)c->mine.n_points);
		worker_failed(c, k, &err);
		return;
	}
	serve(c, k);
}

/* A row from rank k: a row_head, then the cells, each ended by a NUL. */
static void on_row(struct coord *c, int k, char *buf, int len)
{
	struct run *r = c->r;
	struct sim_err err;
	struct row_head h = {0, 0, 0};
	size_t n = r->res.n_cols;
	const char **cells = sim_calloc(n, sizeof *cells, &err);
	int rc = cells ? 0 : SIM_ERR_NOMEM;
	size_t got = 0;
	if (!rc && len >= (int)sizeof h) {
		memcpy(&h, buf, sizeof h);
		for (char *p = buf + sizeof h; p < buf + len && got < n; p += strlen(p) + 1)
			cells[got++] = p;
	}
	if (!rc && (got != n || h.point >= r->e->n_points || buf[len - 1] != '\0'))
		rc = sim_err_set(&err, SIM_ERR_INTERNAL, NULL, 0, 0, "%s sent a malformed row",
				 c->origin[k]);
	if (!rc)
		rc = sweep_row_record(r, cells, (size_t)h.point, c->origin[k], h.accuracy, h.energy,
				      &err);
	if (!rc)
		c->rows++;
	if (rc)
		sweep_run_fail(r, rc, &err);
	free(cells);
}

/* Answers the workers until every one of them has been stopped. */
static void coordinate(struct coord *c)
{
	while (c->stopped < c->size - 1) {
		MPI_Status st;
		wait_message(MPI_ANY_SOURCE, &st);
		double t0 = sim_now_s();
		int len, k = st.MPI_SOURCE;
		char *buf = recv_probed(&st, &len);
		switch (st.MPI_TAG) {
		case TAG_HELLO:
			on_hello(c, k, buf, len);
			break;
		case TAG_ROW:
			on_row(c, k, buf, len);
			break;
		case TAG_DONE:
			serve(c, k);
			break;
		case TAG_FAIL: {
			struct sim_err err;
			sim_err_set(&err, SIM_ERR_INTERNAL, NULL, 0, 0, "failed");
			if (len == (int)sizeof err)
				memcpy(&err, buf, sizeof err);
			err.file[sizeof err.file - 1] = err.msg[sizeof err.msg - 1] = '\0';
			worker_failed(c, k, &err);
			break;
		}
		default: {
			struct sim_err err;
			sim_err_set(&err, SIM_ERR_INTERNAL, NULL, 0, 0, "unexpected message %d",
				    st.MPI_TAG);
			worker_failed(c, k, &err);
		}
		}
		free(buf);
		c->handling_s += sim_now_s() - t0;
	}
}

/* Rank 0's own worker thread; it counts as a busy rank while it runs. */
static void *local_worker(void *arg)
{
	struct run *r = arg;
	pthread_mutex_lock(&r->lock);
	r->ranks_busy++;
	pthread_mutex_unlock(&r->lock);
	sweep_run_worker(r);
	pthread_mutex_lock(&r->lock);
	r->ranks_busy--;
	pthread_mutex_unlock(&r->lock);
	return NULL;
}


/* Ranks on this rank's node (collective: every rank calls it at start). */
static int node_ranks(void)
{
	MPI_Comm node;
	int n = 1;
	if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node) ==
	    MPI_SUCCESS) {
		MPI_Comm_size(node, &n);
		MPI_Comm_free(&node);
	}
	return n;
}

/* Rank 0. The ranks sharing its node wait while it trains the baseline, so
 * it trains on that many threads (capped at the cores; results do not
 * depend on the thread count) unless --jobs says otherwise. */
static int run_root(const char *path, const struct sweep_run_opts *o, int size, int on_node,
		    int threaded, struct sweep_summary *s, struct sim_err *err)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	int train_threads = o->jobs > 0 ? o->jobs : cores > 0 && on_node > cores ? (int)cores : on_node;
	struct sweep_experiment e;
	struct run r;
	struct coord c = {.r = &r, .size = size};
	int rc = sweep_run_open(&r, &e, path, o, s, err);
	r.ranks = (size_t)size;
	c.origin = sim_calloc((size_t)size, sizeof *c.origin, err);
	c.busy = sim_calloc((size_t)size, sizeof *c.busy, err);
	if (!c.origin || !c.busy) {
		/* Without them the workers cannot even be told to stop. */
		fprintf(stderr, "esim: rank 0: out of memory\n");
		MPI_Abort(MPI_COMM_WORLD, 1);
	}
	for (int k = 0; k < size; k++) /* until its hello names the host */
		snprintf(c.origin[k], sizeof c.origin[k], "rank %d", k);
	if (!rc && threaded < MPI_THREAD_FUNNELED)
		rc = sim_err_set(err, SIM_ERR_INTERNAL, NULL, 0, 0,
				 "the MPI library offers no thread support (MPI_THREAD_FUNNELED)");
	if (!rc)
		rc = sweep_run_prepare(&r, train_threads, err);
	size_t nc = r.n_cohorts;
	if (!rc && (!(c.has_ckpt = sim_calloc((size_t)size * nc + 1, sizeof *c.has_ckpt, err)) ||
		    !(c.ckpt = sim_calloc(nc + 1, sizeof *c.ckpt, err)) ||
		    !(c.ckpt_len = sim_calloc(nc + 1, sizeof *c.ckpt_len, err))))
		rc = SIM_ERR_NOMEM;
	fingerprint(&e, &c.mine);
	if (rc)
		sweep_run_fail(&r, rc, err);
	pthread_t local;
	bool local_started = false;
	if (!rc && r.n_groups > 0) {
		local_started = pthread_create(&local, NULL, local_worker, &r) == 0;
		if (!local_started && size == 1)
			local_worker(&r);
	}
	coordinate(&c);
	if (local_started)
		pthread_join(local, NULL);
	s->ranks = (size_t)size;
	s->coordinator_s = c.handling_s;
	s->coordinator_rows = c.rows;
	rc = sweep_run_close(&r, s, err);
	free(c.origin);
	free(c.has_ckpt);
	free(c.busy);
	for (size_t k = 0; c.ckpt && k < nc; k++)
		free(c.ckpt[k]);
	free(c.ckpt);
	free(c.ckpt_len);
	sweep_run_deinit(&r);
	sweep_experiment_deinit(&e);
	return rc;
}

/* ---- worker ranks -------------------------------------------------------- */

/* The row sink of a worker rank: the row goes to rank 0. */
static int send_row(void *ctx, size_t point, const char *const *cells, size_t n, double accuracy,
		    double energy, struct sim_err *err)
{
	(void)ctx;
	struct row_head h = {point, accuracy, energy};
	size_t len = sizeof h;
	for (size_t i = 0; i < n; i++)
		len += strlen(cells[i]) + 1;
	char *buf = sim_malloc(len, err);
	if (!buf)
		return SIM_ERR_NOMEM;
	memcpy(buf, &h, sizeof h);
	char *p = buf + sizeof h;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(cells[i]) + 1;
		memcpy(p, cells[i], l);
		p += l;
	}
	send_bytes(buf, len, 0, TAG_ROW);
	free(buf);
	return 0;
}

struct worker {
	struct run r;
	struct sweep_experiment e;
	struct sweep_run_opts o;
	char cache_dir[300];
	int rc;                /* the first failure, reported at the next request */
	struct sim_err err;
};

/* The accuracy sweep's data on a worker rank: every seed's split (rank 0
 * decides which groups it gets), and the private folder the baselines rank 0
 * sends are kept in (each cohort's checkpoint path points into it). */
static int worker_data(struct worker *w, int rank, struct sim_err *err)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(w->cache_dir, sizeof w->cache_dir, "%s/esim-rank%d-XXXXXX", tmp ? tmp : "/tmp", rank);
	if (!mkdtemp(w->cache_dir)) {
		w->cache_dir[0] = '\0';
		return sim_err_set(err, SIM_ERR_IO, tmp ? tmp : "/tmp", 0, 0,
				   "cannot create a folder for the baseline checkpoints");
	}
	snprintf(w->r.dir, sizeof w->r.dir, "%s", w->cache_dir);
	int rc = sweep_baseline_check(&w->e, err);
	if (!rc)
		rc = sweep_cohorts_init(&w->r, err);
	if (!rc)
		rc = sweep_data_load(&w->r, err);
	return rc;
}

/* Stores a baseline checkpoint rank 0 sent (the seed, then the file) and
 * reads its test accuracy (the accuracy floor of its seed's rows). */
static int cache_ckpt(struct worker *w, const char *buf, size_t len, struct sim_err *err)
{
	uint64_t seed;
	struct cohort *c = NULL;
	if (len >= sizeof seed) {
		memcpy(&seed, buf, sizeof seed);
		for (size_t k = 0; k < w->r.n_cohorts; k++)
			if (w->r.cohorts[k].seed == seed)
				c = &w->r.cohorts[k];
	}
	if (!c)
		return sim_err_set(err, SIM_ERR_INTERNAL, NULL, 0, 0,
				   "a baseline for a seed this rank has no data for");
	if (sim_out_write_file(c->ckpt, buf + sizeof seed, len - sizeof seed, err))
		return err->code;
	struct nn_model m;
	struct nn_ckpt_meta meta;
	int rc = nn_checkpoint_load(&m, &meta, c->ckpt, 64, 1, err);
	nn_model_deinit(&m);
	if (rc == 0)
		c->baseline_test_acc = 100.0 * meta.test_accuracy;
	return rc;
}

static void send_fail(const struct sim_err *err)
{
	send_bytes(err, sizeof *err, 0, TAG_FAIL);
}

static void run_worker(const char *path, const struct sweep_run_opts *o, int rank)
{
	struct worker *w = calloc(1, sizeof *w);
	if (!w) {
		fprintf(stderr, "esim: rank %d: out of memory\n", rank);
		MPI_Abort(MPI_COMM_WORLD, 1);
	}
	struct run *r = &w->r;
	w->o = *o;
	w->o.quiet = true; /* rank 0 reports progress */
	r->e = &w->e;
	r->o = &w->o;
	r->sink.send = send_row;
	sweep_run_shared_init(r);
	struct hello h;
	memset(&h, 0, sizeof h);
	int rc = sweep_experiment_load(&w->e, path, &w->err);
	if (!rc) {
		r->accuracy_sweep = w->e.base.dataset[0] != '\0';
		fingerprint(&w->e, &h);
		if (r->accuracy_sweep)
			rc = worker_data(w, rank, &w->err);
	}
	int name_len;
	h.pid = (int32_t)getpid();
	MPI_Get_processor_name(h.host, &name_len);
	if (rc) {
		/* Rank 0 has no hello to name the host from. */
		sim_err_prefix(&w->err, "on %s (pid %d)", h.host, (int)h.pid);
		send_fail(&w->err);
	} else {
		send_bytes(&h, sizeof h, 0, TAG_HELLO);
	}
	for (bool stop = false; !stop;) {
		MPI_Status st;
		wait_message(0, &st);
		int len;
		char *buf = recv_probed(&st, &len);
		if (st.MPI_TAG == TAG_STOP) {
			stop = true;
		} else if (st.MPI_TAG == TAG_CKPT) {
			if (!w->rc)
				w->rc = cache_ckpt(w, buf, (size_t)len, &w->err);
		} else if (st.MPI_TAG == TAG_WORK) {
			if (!w->rc)
				w->rc = sweep_points_run(r, (const size_t *)(const void *)buf,
							 (size_t)len / sizeof(uint64_t), &w->err);
			if (w->rc)
				send_fail(&w->err);
			else
				send_bytes(NULL, 0, 0, TAG_DONE);
		}
		free(buf);
	}
	if (w->cache_dir[0]) {
		for (size_t k = 0; k < r->n_cohorts; k++)
			unlink(r->cohorts[k].ckpt);
		rmdir(w->cache_dir);
	}
	sweep_run_deinit(r);
	sweep_experiment_deinit(&w->e);
	free(w);
}

int sweep_run_mpi(const char *experiment_path, const struct sweep_run_opts *o,
		  struct sweep_summary *s, bool *root, struct sim_err *err)
{
	int threaded = MPI_THREAD_SINGLE, rank = 0, size = 1;
	MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &threaded);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &size);
	*root = rank == 0;
	int on_node = node_ranks();
	int rc = 0;
	if (rank == 0)
		rc = run_root(experiment_path, o, size, on_node, threaded, s, err);
	else
		run_worker(experiment_path, o, rank);
	MPI_Finalize();
	return rc;
}
