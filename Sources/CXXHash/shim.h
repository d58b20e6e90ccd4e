// Debian's libxxhash-dev: XXH3, the batch's content hash.
#include <xxhash.h>
