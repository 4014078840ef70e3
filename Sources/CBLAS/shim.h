// CBLAS (OpenBLAS) for GEMM and LAPACKE for SVD / LU / solve.
#include <cblas.h>
#include <lapacke.h>
// OpenBLAS extension: set the number of compute threads.
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
char *openblas_get_corename(void);
char *openblas_get_config(void);
