/* Wall-clock time and process memory, for progress, logs and benchmarks. */
#ifndef GR_SYSINFO_H
#define GR_SYSINFO_H

#include <stddef.h>

/* Monotonic seconds since an arbitrary origin. */
double gr_now(void);
/* Peak resident set size of this process so far, in bytes. */
size_t gr_peak_rss(void);
/* Current resident set size, in bytes (0 when /proc is unavailable). */
size_t gr_current_rss(void);

#endif
