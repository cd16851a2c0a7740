#include "dcmtk/config/osconfig.h"
#include "dcmtk/dcmdata/dctk.h"
#include "dcmbridge.h"
extern "C" int dcmbridge_init(void) { return dcmDataDict.isDictionaryLoaded() ? 1 : 0; }
