/* placeholder */
#include "spiral.h"
typedef int spiral_merge_placeholder;
