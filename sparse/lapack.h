/* The few LAPACK routines gnnrec calls, declared by hand.
 *
 * OpenBLAS, which we link already, exports the whole Fortran LAPACK
 * (`nm -D libopenblas.so.0 | grep sgeqrf_`), but Debian ships the C
 * prototypes (lapacke.h) only with liblapacke-dev; for a few routines the
 * Fortran interface is simpler than another package.  Fortran conventions:
 * column-major arrays, every argument by pointer, and each character argument
 * followed by its length as a hidden trailing size_t (gfortran's ABI, which
 * LAPACKE itself passes too).  Ints are 32-bit (OpenBLAS's LP64 build), so
 * callers check that dimensions fit. */
#ifndef GR_LAPACK_H
#define GR_LAPACK_H

#include <stddef.h>

/* QR of an m x n matrix: R in the upper triangle, Householder vectors below. */
void sgeqrf_(const int *m, const int *n, float *a, const int *lda, float *tau, float *work, const int *lwork,
             int *info);
/* The first n columns of Q from sgeqrf's output, in place. */
void sorgqr_(const int *m, const int *n, const int *k, float *a, const int *lda, const float *tau, float *work,
             const int *lwork, int *info);
/* Eigenvalues (ascending) and, with jobz = "V", eigenvectors of a symmetric
 * matrix, by divide and conquer. */
void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w, double *work,
             const int *lwork, int *iwork, const int *liwork, int *info, size_t jobz_len, size_t uplo_len);
/* Cholesky factorization of a symmetric positive definite matrix, and the
 * solve with it (iALS's exact row solves). */
void spotrf_(const char *uplo, const int *n, float *a, const int *lda, int *info, size_t uplo_len);
void spotrs_(const char *uplo, const int *n, const int *nrhs, const float *a, const int *lda, float *b, const int *ldb,
             int *info, size_t uplo_len);
/* SVD by divide and conquer (the tests' dense reference). */
void dgesdd_(const char *jobz, const int *m, const int *n, double *a, const int *lda, double *s, double *u,
             const int *ldu, double *vt, const int *ldvt, double *work, const int *lwork, int *iwork, int *info,
             size_t jobz_len);
/* QR in double (the tests build orthonormal bases with it). */
void dgeqrf_(const int *m, const int *n, double *a, const int *lda, double *tau, double *work, const int *lwork,
             int *info);
void dorgqr_(const int *m, const int *n, const int *k, double *a, const int *lda, const double *tau, double *work,
             const int *lwork, int *info);

#endif
