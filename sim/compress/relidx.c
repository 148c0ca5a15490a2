/* Relative-index sparse storage (Han, Mao, Dally, "Deep Compression", ICLR
 * 2016, section 2 and Fig. 2). A pruned layer's weights, flattened, are stored
 * as (index, value) entries where the index is relative: the number z of zeros
 * skipped since the previous entry, in b bits. When z > 2^b - 1, a filler entry
 * with value zero is placed 2^b - 1 zeros after the previous entry; it takes a
 * slot of its own (it is one of the zeros) and costs as much as a real entry.
 * Hence a run of z zeros before a nonzero needs floor(z / 2^b) fillers, e.g.
 * with b = 3 a run of 8 zeros needs one filler, matching the paper's example of
 * a span exceeding 8. Zeros after the last nonzero cost nothing: the decoder
 * knows the dense length. */
#include "compress/relidx.h"

#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

void relidx_deinit(struct relidx *r)
{
	free(r->gap);
	free(r->value);
	memset(r, 0, sizeof *r);
}

uint64_t relidx_fillers(const uint8_t *mask, uint64_t n, unsigned ibits)
{
	uint64_t span = (uint64_t)1 << ibits, run = 0, fillers = 0;
	for (uint64_t i = 0; i < n; i++) {
		if (mask[i]) {
			fillers += run / span;
			run = 0;
		} else {
			run++;
		}
	}
	return fillers;
}

int relidx_encode(const float *x, uint64_t n, unsigned ibits, struct relidx *out,
		  struct sim_err *err)
{
	memset(out, 0, sizeof *out);
	if (ibits < 1 || ibits > RELIDX_MAX_BITS)
		return sim_err_set(err, SIM_ERR_INTERNAL, NULL, 0, 0,
				   "index bits must be in [1, %d], got %u", RELIDX_MAX_BITS, ibits);
	uint64_t span = (uint64_t)1 << ibits, run = 0, entries = 0;
	for (uint64_t i = 0; i < n; i++) {
		if (x[i] != 0.0f) {
			entries += run / span + 1;
			run = 0;
		} else {
			run++;
		}
	}
	out->n = n;
	out->ibits = ibits;
	out->gap = sim_malloc((entries ? entries : 1) * sizeof *out->gap, err);
	out->value = sim_malloc((entries ? entries : 1) * sizeof *out->value, err);
	if (!out->gap || !out->value) {
		relidx_deinit(out);
		return SIM_ERR_NOMEM;
	}
	uint64_t k = 0;
	run = 0;
	for (uint64_t i = 0; i < n; i++) {
		if (x[i] == 0.0f) {
			run++;
			continue;
		}
		for (; run >= span; run -= span) {
			out->gap[k] = (uint32_t)(span - 1);
			out->value[k++] = 0.0f;
			out->n_fillers++;
		}
		out->gap[k] = (uint32_t)run;
		out->value[k++] = x[i];
		run = 0;
	}
	out->n_entries = k;
	return 0;
}

int relidx_decode(const struct relidx *r, float *x, struct sim_err *err)
{
	for (uint64_t i = 0; i < r->n; i++)
		x[i] = 0.0f;
	uint64_t next = 0; /* position just after the previous entry */
	for (uint64_t k = 0; k < r->n_entries; k++) {
		if (r->gap[k] >> r->ibits)
			return sim_err_set(err, SIM_ERR_DATA, NULL, 0, 0,
					   "relative index %u of entry %llu needs more than %u bits",
					   r->gap[k], (unsigned long long)k, r->ibits);
		uint64_t pos = next + r->gap[k];
		if (pos >= r->n)
			return sim_err_set(err, SIM_ERR_DATA, NULL, 0, 0,
					   "entry %llu lands at position %llu, past the end (%llu)",
					   (unsigned long long)k, (unsigned long long)pos,
					   (unsigned long long)r->n);
		x[pos] = r->value[k];
		next = pos + 1;
	}
	return 0;
}
