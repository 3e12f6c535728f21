/* The layout of gr_norm_adj, shared by adjacency.c (build) and spmm.c
 * (kernels) only; everything else goes through sparse/adjacency.h. */
#ifndef GR_ADJACENCY_IMPL_H
#define GR_ADJACENCY_IMPL_H

#include <GraphBLAS.h>
#include <stdint.h>

struct gr_norm_adj {
    uint32_t n;        /* n_users + n_items */
    uint32_t n_users;
    uint64_t nnz;
    uint64_t *ptr;     /* Â as CSR for our kernel: 32-bit columns keep it small */
    uint32_t *idx;
    float *val;
    GrB_Matrix G;      /* the same matrix, FP32, sparse by row, for GrB_mxm */
};

/* Makes the GraphBLAS copy G when it does not exist yet (a cache filled on
 * first use; GraphBLAS runs on the main thread only, so no lock). */
gr_status gr_norm_adj_ensure_grb(gr_norm_adj *a, char *msg);

#endif
