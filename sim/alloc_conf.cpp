// jemalloc's options for bftsim and bench_sim (linked only with jemalloc,
// meson.build): transparent huge pages for its arenas and metadata, and
// freed pages kept rather than returned to the kernel. A run's heap grows
// for its whole length (simulated disks, memtables, block trees), and each
// new page costs a page fault and the kernel's zeroing of it; on the
// development VM a fault is several microseconds, 17% of the fast-crypto
// demo's samples (perf). Huge pages cut the demo's faults from 10.4 k to
// 1.8 k and n = 1000 for one simulated second from 6.0 to 4.3 CPU s, for
// about a quarter more peak memory. Long runs also free and reallocate:
// with jemalloc's default decay (freed pages returned after about 10 s)
// n = 1000 for 10 simulated seconds took 61-62 CPU s, with none 45 (2.15
// -> 2.33 GiB peak). A run or a sweep worker holds at most its peak. The
// kernel grants huge pages under THP "always" or "madvise" (jemalloc asks
// with madvise). MALLOC_CONF in the environment still overrides.
extern "C" {
extern const char* malloc_conf;
const char* malloc_conf = "thp:always,metadata_thp:always,dirty_decay_ms:-1,muzzy_decay_ms:-1";
}
