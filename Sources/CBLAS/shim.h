#ifndef LITEVL_CBLAS_SHIM_H
#define LITEVL_CBLAS_SHIM_H
// OpenBLAS's CBLAS interface (Linux). On Apple platforms the package links Accelerate instead.
#if defined(__APPLE__)
#define ACCELERATE_NEW_LAPACK 1
#include <Accelerate/Accelerate.h>
static inline void litevl_blas_set_threads(int n) { (void)n; }
static inline int litevl_blas_get_threads(void) { return 1; }
static inline const char *litevl_blas_config(void) { return "Accelerate"; }
#else
#include <cblas.h>
static inline void litevl_blas_set_threads(int n) { openblas_set_num_threads(n); }
static inline int litevl_blas_get_threads(void) { return openblas_get_num_threads(); }
static inline const char *litevl_blas_config(void) { return openblas_get_config(); }
#endif
#endif
