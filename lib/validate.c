/* placeholder */
#include "spiral.h"
typedef int spiral_validate_placeholder;
