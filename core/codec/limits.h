// The bounds the wire codec enforces when decoding (docs/wire_format.md).
// A peer's length or count is checked against these before anything is
// allocated; the encoder does not check them, so an over-limit message still
// encodes but is rejected as malformed by every receiver.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/types/ids.h"

namespace bftsim {

inline constexpr std::uint8_t wire_version = 1;

inline constexpr std::uint32_t batch_size_max = 4096;          // requests per block
inline constexpr std::uint32_t key_size_bytes_max = 1024;
inline constexpr std::uint32_t value_size_bytes_max = 65536;
inline constexpr std::uint32_t txn_entries_max = 64;           // conditions, and writes, per txn
// A batch operation: 1 .. batch_ops_max operations, encoded in at most
// batch_size_bytes_max bytes (its own type byte and lengths included).
inline constexpr std::uint32_t batch_ops_max = 128;
inline constexpr std::uint32_t batch_size_bytes_max = 1024u * 1024u;
inline constexpr std::uint32_t block_response_blocks_max = 64;
inline constexpr std::uint32_t certificate_signatures_max = replica_count_max;
inline constexpr std::uint32_t frame_size_bytes_max = 16u * 1024u * 1024u;
// State transfer: one StateResponse carries a whole KV state, so it must fit
// in a frame; a state larger than that is out of reach (chunking is future work).
inline constexpr std::uint32_t snapshot_pairs_max = 1u << 20;
inline constexpr std::uint32_t snapshot_replies_max = 1u << 20;
inline constexpr std::uint32_t snapshot_history_max = 1024;
// One cached reply: a batch's holds a result (and a read value) per operation.
inline constexpr std::uint32_t snapshot_reply_size_bytes_max = batch_ops_max * (value_size_bytes_max + 8) + 64;

static_assert(key_size_bytes_max <= value_size_bytes_max);
static_assert(value_size_bytes_max < frame_size_bytes_max);
static_assert(snapshot_reply_size_bytes_max < frame_size_bytes_max);
static_assert(certificate_signatures_max == replica_count_max);

}  // namespace bftsim
