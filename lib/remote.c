/* placeholder */
#include "spiral.h"
typedef int spiral_remote_placeholder;
