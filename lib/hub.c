/* Checking pushes on a cluster hub (issue 13, part 5): see spiral.h section 11. */
#include "internal.h"
