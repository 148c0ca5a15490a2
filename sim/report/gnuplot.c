/* gnuplot helpers (see gnuplot.h).
 *
 * Why a staging folder rather than one temporary file per output: gnuplot
 * writes its images itself, under the names its script gives, and the
 * scripts are kept beside the images for users to edit and re-run, so they
 * must name the final files. Running them in a private folder inside the
 * output folder (same file system) and renaming each finished file out of it
 * gives every image, script and data file the all-or-nothing update of
 * core/outfile.h, with scripts that still read `set output 'pareto.png'`. */
#include "report/gnuplot.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int make_dirs(const char *dir, struct sim_err *err)
{
	char buf[512];
	if ((size_t)snprintf(buf, sizeof buf, "%s", dir) >= sizeof buf)
		return sim_err_set(err, SIM_ERR_IO, dir, 0, 0, "the path is too long");
	for (char *p = buf + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(buf, 0777) != 0 && errno != EEXIST)
			return sim_err_set(err, SIM_ERR_IO, buf, 0, 0, "cannot create: %s",
					   strerror(errno));
		*p = c;
		if (c == '\0')
			break;
	}
	struct stat st;
	if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode))
		return sim_err_set(err, SIM_ERR_IO, buf, 0, 0, "cannot write plots: not a directory");
	return 0;
}

int gnuplot_stage_open(struct gnuplot_stage *s, const char *out_dir, struct sim_err *err)
{
	memset(s, 0, sizeof *s);
	snprintf(s->out_dir, sizeof s->out_dir, "%s", out_dir);
	int rc = make_dirs(out_dir, err);
	if (rc)
		return rc;
	snprintf(s->dir, sizeof s->dir, "%s/.esim-plot-XXXXXX", out_dir);
	if (!mkdtemp(s->dir)) {
		int e = errno;
		s->dir[0] = '\0';
		return sim_err_set(err, SIM_ERR_IO, out_dir, 0, 0, "cannot create a file here: %s",
				   strerror(e));
	}
	return 0;
}

typedef int (*staged_fn)(struct gnuplot_stage *s, const char *name, struct sim_err *err);

/* Calls fn for every file of the staging folder; stops at the first failure. */
static int each_staged(struct gnuplot_stage *s, staged_fn fn, struct sim_err *err)
{
	DIR *d = opendir(s->dir);
	if (!d)
		return sim_err_set(err, SIM_ERR_IO, s->dir, 0, 0, "cannot read: %s", strerror(errno));
	int rc = 0;
	struct dirent *e;
	while (rc == 0 && (e = readdir(d)))
		if (e->d_name[0] != '.')
			rc = fn(s, e->d_name, err);
	closedir(d);
	return rc;
}

/* gnuplot does not report a failed write (a full disk gives a truncated
 * image and exit status 0), so each image is checked for its end: a PNG's
 * last chunk is IEND, an SVG's last element </svg>. */
static int check_image(struct gnuplot_stage *s, const char *name, struct sim_err *err)
{
	static const unsigned char png_end[12] = {0, 0, 0, 0, 'I', 'E', 'N', 'D',
						  0xae, 0x42, 0x60, 0x82};
	size_t len = strlen(name);
	bool png = len > 4 && strcmp(name + len - 4, ".png") == 0;
	bool svg = len > 4 && strcmp(name + len - 4, ".svg") == 0;
	if (!png && !svg)
		return 0;
	char path[900];
	snprintf(path, sizeof path, "%s/%s", s->dir, name);
	unsigned char tail[64];
	size_t got = 0;
	FILE *f = fopen(path, "rb");
	if (f && fseek(f, 0, SEEK_END) == 0) {
		long size = ftell(f);
		if (fseek(f, size > (long)sizeof tail ? size - (long)sizeof tail : 0, SEEK_SET) == 0)
			got = fread(tail, 1, sizeof tail, f);
	}
	if (f)
		fclose(f);
	bool whole = false;
	if (png)
		whole = got >= sizeof png_end &&
			memcmp(tail + got - sizeof png_end, png_end, sizeof png_end) == 0;
	for (size_t i = 0; svg && i + 6 <= got; i++)
		whole |= memcmp(tail + i, "</svg>", 6) == 0;
	if (!whole)
		return sim_err_set(err, SIM_ERR_IO, s->out_dir, 0, 0,
				   "gnuplot wrote no complete %s (is the disk full?)", name);
	return 0;
}

static int move_out(struct gnuplot_stage *s, const char *name, struct sim_err *err)
{
	char from[900], to[900];
	snprintf(from, sizeof from, "%s/%s", s->dir, name);
	snprintf(to, sizeof to, "%s/%s", s->out_dir, name);
	if (rename(from, to) != 0)
		return sim_err_set(err, SIM_ERR_IO, to, 0, 0, "cannot replace: %s", strerror(errno));
	return 0;
}

static int remove_staged(struct gnuplot_stage *s, const char *name, struct sim_err *err)
{
	(void)err;
	char path[900];
	snprintf(path, sizeof path, "%s/%s", s->dir, name);
	unlink(path);
	return 0;
}

int gnuplot_stage_commit(struct gnuplot_stage *s, struct sim_err *err)
{
	int rc = each_staged(s, check_image, err);
	if (rc == 0)
		rc = each_staged(s, move_out, err);
	gnuplot_stage_abort(s);
	return rc;
}

void gnuplot_stage_abort(struct gnuplot_stage *s)
{
	if (!s->dir[0])
		return;
	each_staged(s, remove_staged, NULL);
	rmdir(s->dir);
	s->dir[0] = '\0';
}

FILE *gnuplot_open(const char *dir, const char *name, struct sim_err *err)
{
	char path[768];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (!f)
		sim_err_set(err, SIM_ERR_IO, path, 0, 0, "cannot write: %s", strerror(errno));
	return f;
}

int gnuplot_close(FILE *f, const char *dir, const char *name, struct sim_err *err)
{
	bool ok = fflush(f) == 0 && !ferror(f);
	int e = errno;
	if (fclose(f) != 0 && ok) {
		ok = false;
		e = errno;
	}
	if (!ok)
		return sim_err_set(err, SIM_ERR_IO, dir, 0, 0, "cannot write %s: %s", name,
				   strerror(e));
	return 0;
}

/* Runs gnuplot on dir/script from inside dir; its output names are relative. */
int gnuplot_run(const char *dir, const char *script, struct sim_err *err)
{
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0)
		return sim_err_set(err, SIM_ERR_IO, NULL, 0, 0, "fork failed: %s", strerror(errno));
	if (pid == 0) {
		if (chdir(dir) != 0)
			_exit(126);
		execlp("gnuplot", "gnuplot", script, (char *)NULL);
		_exit(127);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return sim_err_set(err, SIM_ERR_IO, NULL, 0, 0, "waitpid: %s", strerror(errno));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return sim_err_set(err, SIM_ERR_IO, NULL, 0, 0,
				   "gnuplot not found (install gnuplot-nox; make run does)");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return sim_err_set(err, SIM_ERR_IO, dir, 0, 0, "gnuplot failed on %s (status %d)",
				   script, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return 0;
}

/* Every script starts the same way and ends by re-plotting to SVG. */
void gnuplot_head(FILE *g, const char *name, const char *size)
{
	fprintf(g, "# Generated by esim plot from results.csv; edit and run `gnuplot %s.gp`.\n"
		   "set terminal pngcairo size %s enhanced font 'Sans,11'\n"
		   "set output '%s.png'\n"
		   "set grid lc rgb '#dddddd'\n"
		   "set key outside right top\n",
		name, size, name);
}

void gnuplot_tail(FILE *g, const char *name, const char *size)
{
	fprintf(g, "set terminal svg size %s enhanced font 'Sans,11' background rgb 'white'\n"
		   "set output '%s.svg'\nreplot\n",
		size, name);
}

void gnuplot_made(char *made, size_t size, const char *name)
{
	size_t used = strlen(made);
	snprintf(made + used, size - used, "%s%s.png %s.svg", used ? " " : "", name, name);
}

/* Labelled tics for a log axis over [lo, hi]: gnuplot labels only whole
 * decades, so a range inside one decade (the usual accuracy-energy plot)
 * would show one number or none. Takes the sparsest of the mantissa sets
 * below that puts at least four tics inside the range (the densest when
 * none does), and writes them labelled like "2e+07" (gnuplot sorts the list). */
void gnuplot_log_tics(FILE *g, const char *axis, double lo, double hi)
{
	if (!(lo > 0) || !(hi >= lo) || !isfinite(hi))
		return;
	static const double sets[][10] = {
		{1},
		{1, 2, 5},
		{1, 2, 3, 5},
		{1, 1.5, 2, 3, 5, 7},
		{1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8},
	};
	static const int set_len[] = {1, 3, 4, 6, 10};
	enum { N_SETS = sizeof set_len / sizeof set_len[0] };
	int k0 = (int)floor(log10(lo)) - 1, k1 = (int)ceil(log10(hi));
	int pick = N_SETS - 1;
	for (int s = 0; s < N_SETS; s++) {
		int inside = 0;
		for (int k = k0; k <= k1; k++)
			for (int i = 0; i < set_len[s]; i++) {
				double v = sets[s][i] * pow(10.0, k);
				inside += v >= lo && v <= hi;
			}
		if (inside >= 4) {
			pick = s;
			break;
		}
	}
	fprintf(g, "set %stics (", axis);
	const char *sep = "";
	for (int k = k0; k <= k1; k++)
		for (int i = 0; i < set_len[pick]; i++) {
			double v = sets[pick][i] * pow(10.0, k);
			/* a little beyond each end, for the padded range */
			if (v < lo / 1.5 || v > hi * 1.5)
				continue;
			fprintf(g, "%s\"%ge%+03d\" %.6g", sep, sets[pick][i], k, v);
			sep = ", ";
		}
	fprintf(g, ")\nset m%stics 10\n", axis);
}

int gnuplot_mkdir(const char *dir, struct sim_err *err)
{
	char buf[512];
	snprintf(buf, sizeof buf, "%s", dir);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) != 0 && errno != EEXIST)
			return sim_err_set(err, SIM_ERR_IO, buf, 0, 0, "cannot create: %s",
					   strerror(errno));
		*p = '/';
	}
	if (mkdir(buf, 0755) != 0 && errno != EEXIST)
		return sim_err_set(err, SIM_ERR_IO, buf, 0, 0, "cannot create: %s", strerror(errno));
	return 0;
}
