#define HAVE_ZLIB 1
#include <nifti2_io.h>
#include "niftishim.h"
int niftishim_version(void) { return 2; }
