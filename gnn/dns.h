/* Dynamic negative sampling (DNS; Zhang et al., "Optimizing top-n
 * collaborative filtering via dynamic negative item sampling", SIGIR 2013):
 * of m uniform candidates for a negative, train on the one the current
 * model scores highest for the user.  A uniform negative is mostly an item
 * the model already ranks far down, whose BPR gradient σ(s_uj − s_ui) is
 * near zero; the hardest of m carries most of the signal.  MixGCF (Huang et
 * al., KDD 2021) reports LightGCN + DNS above LightGCN on Gowalla.
 *
 * Scores are E's dot products, E the final embeddings the loss will read
 * (LightGCN's propagated rows, MF's ego rows): the candidates' rows must be
 * among the rows the forward pass computed. */
#ifndef GR_DNS_H
#define GR_DNS_H

#include <stdint.h>

#include "gnn/loss.h"

/* For each triple k of cand (cand->neg = neg·m candidates, negative q's m at
 * [(k·neg + q)·m, ...), as gr_sampler_candidates lays them out) and each q:
 * chosen[k·neg + q] = the candidate with the highest e_uᵀe_j, the first of
 * equal ones.  Parallel over triples; the same choice for any thread count. */
void gr_dns_choose(const float *E, gr_emb_shape s, const gr_batch *cand, uint32_t m, uint32_t *chosen);

#endif
