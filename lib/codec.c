#include "spiral.h"
