// jemalloc's options for bftsim and bench_sim (linked only with jemalloc,
// meson.build): transparent huge pages for its arenas and metadata. A run's
// heap grows for its whole length (simulated disks, memtables, block trees),
// and each new 4 KiB page cost a page fault; on the development VM a fault
// is several microseconds, 17% of the fast-crypto demo's samples (perf).
// Huge pages cut the demo's faults from 10.4 k to 1.8 k and n = 1000 for one
// simulated second from 6.0 to 4.3 CPU s, for about a quarter more peak
// memory. The kernel grants them under THP "always" or "madvise" (jemalloc
// asks with madvise). MALLOC_CONF in the environment still overrides.
extern "C" {
extern const char* malloc_conf;
const char* malloc_conf = "thp:always,metadata_thp:always";
}
