#include "inc/shim.h"
void *sim_guest_page(u64 gpa);
