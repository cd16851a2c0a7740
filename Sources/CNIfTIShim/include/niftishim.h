// C API over nifti_clib; implemented in niftishim.c. No nifti types cross into Swift.
#ifndef NIFTISHIM_H
#define NIFTISHIM_H
int niftishim_version(void);
#endif
