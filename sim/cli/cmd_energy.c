/* `esim energy`: the per-layer energy of a network on an accelerator, each
 * layer at its best mapping (or a fixed one from --mapping), as a table on
 * stdout and optionally CSV, JSON and a replayable mapping file. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "arch/arch.h"
#include "arch/energy.h"
#include "cli/cli.h"
#include "core/outfile.h"
#include "mapper/mapping_file.h"
#include "mapper/network_eval.h"
#include "report/energy_report.h"
#include "workload/network.h"
#include "workload/sparsity.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: esim energy --arch FILE --net FILE --energy FILE [options]\n"
		"  Per-layer accesses, energy, cycles and utilisation of a network, each CONV/FC\n"
		"  layer at its best mapping.\n"
		"  --sparsity FILE     per-layer weight/ifmap densities (default: dense)\n"
		"  --batch N           images per batch (default 1)\n"
		"  --dataflow D        rs, ws, os or nlr (default: the arch's; equal-area storage\n"
		"                      from the arch's per_dataflow section when it has one)\n"
		"  --mapping FILE      fixed mappings for some or all layers\n"
		"  --save-mapping FILE write the chosen mappings, replayable with --mapping\n"
		"                      ('-' = stdout)\n"
		"  --objective O       energy (default), edp or cycles\n"
		"  --wbits B --abits B --pbits B   weight, activation, psum bits (default: word bits)\n"
		"  --threads N         search threads (default 2)\n"
		"  --csv FILE          CSV, one row per layer and a total row ('-' = stdout)\n"
		"  --json FILE         JSON with the mapping of every layer ('-' = stdout)\n");
}

struct energy_opts {
	const char *arch, *net, *energy, *sparsity, *mapping, *save, *csv, *json, *dataflow;
	uint64_t batch, threads, wbits, abits, pbits;
	int objective;
};

static int lookup(const char *opt, const char *s, const char *const *names, int n, int *out,
		  struct sim_err *err)
{
	for (int i = 0; i < n; i++)
		if (strcmp(s, names[i]) == 0) {
			*out = i;
			return 0;
		}
	char choices[128] = "";
	for (int i = 0; i < n; i++)
		snprintf(choices + strlen(choices), sizeof choices - strlen(choices), "%s%s",
			 i ? ", " : "", names[i]);
	return sim_err_set(err, SIM_ERR_USAGE, NULL, 0, 0, "%s must be one of %s, got '%s'", opt,
			   choices, s);
}

static int parse_args(int argc, char **argv, struct energy_opts *o, struct sim_err *err)
{
	static const struct option opts[] = {
		{"arch", required_argument, NULL, 'a'},     {"net", required_argument, NULL, 'n'},
		{"energy", required_argument, NULL, 'e'},   {"sparsity", required_argument, NULL, 's'},
		{"batch", required_argument, NULL, 'b'},    {"dataflow", required_argument, NULL, 'd'},
		{"mapping", required_argument, NULL, 'm'},  {"save-mapping", required_argument, NULL, 'M'},
		{"objective", required_argument, NULL, 'o'}, {"csv", required_argument, NULL, 'c'},
		{"json", required_argument, NULL, 'j'},     {"threads", required_argument, NULL, 't'},
		{"wbits", required_argument, NULL, 'W'},    {"abits", required_argument, NULL, 'A'},
		{"pbits", required_argument, NULL, 'P'},    {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	memset(o, 0, sizeof *o);
	o->batch = 1;
	o->threads = 2;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		int rc = 0;
		switch (c) {
		case 'a': o->arch = optarg; break;
		case 'n': o->net = optarg; break;
		case 'e': o->energy = optarg; break;
		case 's': o->sparsity = optarg; break;
		case 'd': o->dataflow = optarg; break;
		case 'm': o->mapping = optarg; break;
		case 'M': o->save = optarg; break;
		case 'c': o->csv = optarg; break;
		case 'j': o->json = optarg; break;
		case 'b': rc = cli_parse_u64("--batch", optarg, 1, 1 << 16, &o->batch, err); break;
		case 't': rc = cli_parse_u64("--threads", optarg, 1, 256, &o->threads, err); break;
		case 'W': rc = cli_parse_u64("--wbits", optarg, 1, 64, &o->wbits, err); break;
		case 'A': rc = cli_parse_u64("--abits", optarg, 1, 64, &o->abits, err); break;
		case 'P': rc = cli_parse_u64("--pbits", optarg, 1, 64, &o->pbits, err); break;
		case 'o':
			rc = lookup("--objective", optarg, access_objective_names, OBJ_COUNT,
				    &o->objective, err);
			break;
		case 'h': return -1;
		default:
			return sim_err_set(err, SIM_ERR_USAGE, NULL, 0, 0, "unknown or incomplete option '%s'",
					   argv[optind - 1]);
		}
		if (rc)
			return rc;
	}
	if (optind != argc)
		return sim_err_set(err, SIM_ERR_USAGE, NULL, 0, 0, "unexpected argument '%s'",
				   argv[optind]);
	if (!o->arch || !o->net || !o->energy)
		return sim_err_set(err, SIM_ERR_USAGE, NULL, 0, 0,
				   "--arch, --net and --energy are required");
	return 0;
}

static int write_out(const char *path, void (*fn)(FILE *, const struct energy_run_info *,
						  const struct net_result *),
		     const struct energy_run_info *info, const struct net_result *r,
		     struct sim_err *err)
{
	struct sim_out out;
	int rc = sim_out_open(&out, path, err);
	if (rc)
		return rc;
	fn(out.f, info, r);
	return sim_out_commit(&out, err);
}

static void write_mapping_file(FILE *f, const struct energy_run_info *info,
			       const struct net_result *r)
{
	mapper_fixed_write(f, r, info->net);
}

int cmd_energy(int argc, char **argv)
{
	struct energy_opts o;
	struct sim_err err;
	sim_err_clear(&err);
	int rc = parse_args(argc, argv, &o, &err);
	if (rc < 0) {
		usage(stdout);
		return 0;
	}
	if (rc) {
		usage(stderr);
		return cli_fail(&err);
	}
	struct arch a;
	struct energy_table t;
	struct wl_network net;
	struct wl_sparsity sp;
	struct mapper_fixed fixed;
	struct net_result res;
	bool have_net = false, have_sp = false, have_fixed = false, have_res = false;
	memset(&fixed, 0, sizeof fixed);
	const char *const out_opts[] = {"--csv", "--json", "--save-mapping"};
	const char *const out_paths[] = {o.csv, o.json, o.save};
	if ((rc = cli_check_outputs(out_opts, out_paths, 3, &err)))
		goto fail;
	if ((rc = arch_load(&a, o.arch, &err)) || (rc = energy_table_load(&t, o.energy, &err)))
		goto fail;
	if ((rc = wl_network_load(&net, o.net, &err)))
		goto fail;
	have_net = true;
	if (o.sparsity) {
		if ((rc = wl_sparsity_load(&sp, &net, o.sparsity, &err)))
			goto fail;
		have_sp = true;
	}
	if (o.dataflow) {
		int df;
		if ((rc = lookup("--dataflow", o.dataflow, arch_dataflow_names, ARCH_DF_COUNT, &df,
				 &err)) ||
		    (rc = arch_set_dataflow(&a, (enum arch_dataflow)df, &err)))
			goto fail;
	}
	if (o.mapping) {
		if ((rc = mapper_fixed_load(&fixed, o.mapping, &net, (uint32_t)o.batch, a.dataflow,
					    &err)))
			goto fail;
		have_fixed = true;
	}
	struct access_bits bits = access_bits_default(&a);
	if (o.wbits)
		bits.weight = (uint32_t)o.wbits;
	if (o.abits)
		bits.ifmap = (uint32_t)o.abits;
	if (o.pbits)
		bits.psum = (uint32_t)o.pbits;
	struct net_eval_opts eo = {(enum access_objective)o.objective, (int)o.threads,
				   have_fixed ? &fixed : NULL};
	if ((rc = mapper_network_eval(&a, &t, &net, have_sp ? &sp : NULL, &bits, (uint32_t)o.batch,
				      &eo, &res, &err)))
		goto fail;
	have_res = true;
	struct energy_run_info info = {&a, &t, &net, have_sp ? sp.name : "dense",
				       (enum access_objective)o.objective, bits};
	if (!cli_stdout_taken(o.csv) && !cli_stdout_taken(o.json) && !cli_stdout_taken(o.save))
		report_energy_table(stdout, &info, &res);
	if ((o.csv && (rc = write_out(o.csv, report_energy_csv, &info, &res, &err))) ||
	    (o.json && (rc = write_out(o.json, report_energy_json, &info, &res, &err))) ||
	    (o.save && (rc = write_out(o.save, write_mapping_file, &info, &res, &err))))
		goto fail;
	rc = 0;
fail:
	if (have_res)
		net_result_deinit(&res);
	if (have_fixed)
		mapper_fixed_deinit(&fixed);
	if (have_sp)
		wl_sparsity_deinit(&sp);
	if (have_net)
		wl_network_deinit(&net);
	return rc ? cli_fail(&err) : 0;
}
