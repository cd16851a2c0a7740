// extern "C" bridge over DCMTK; implemented in C++ (dcmbridge.cpp). No C++ types cross into Swift.
#ifndef DCMBRIDGE_H
#define DCMBRIDGE_H
#ifdef __cplusplus
extern "C" {
#endif
int dcmbridge_init(void);
#ifdef __cplusplus
}
#endif
#endif
