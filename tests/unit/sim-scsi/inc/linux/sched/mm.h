#include "../../shim.h"
