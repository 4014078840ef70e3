// GLPK (GNU Linear Programming Kit) for the linear programs of thesis chapter 3:
// preimage extents of ReLU layers (Thm 3.3), Stiemke's alternative for
// omnidirectionality (Def. 3.1) and admissible index sets (Def. 3.4).
#include <glpk.h>
