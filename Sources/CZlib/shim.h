// System zlib, used by NetRuntime to read gzip-compressed data files.
#include <zlib.h>
