// LsmNodeStore: see lsm_node_store.h; the key layout is docs/node_storage.md.
#include "core/node/lsm_node_store.h"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "core/codec/byte_reader.h"
#include "core/codec/byte_writer.h"
#include "core/protocol/codec.h"
#include "core/storage/coding.h"
#include "core/types/assert.h"

namespace bftsim {
namespace {

constexpr std::string_view safety_key = "s";
constexpr std::string_view anchor_key = "m";
constexpr std::string_view reply_prefix = "c";  // + u64 client + u64 request number
constexpr std::string_view tree_prefix = "t";   // + u64 height + block hash: a block

// Big-endian, so keys sort by number.
void append_number(std::string& key, std::uint64_t number) {
  for (int i = 7; i >= 0; --i) key.push_back(static_cast<char>((number >> (8 * i)) & 0xff));
}
std::string numbered_key(std::string_view prefix, std::uint64_t number) {
  std::string key(prefix);
  append_number(key, number);
  return key;
}
std::string block_key(Height height, const Hash32& hash) {
  std::string key = numbered_key(tree_prefix, height);
  key.append(reinterpret_cast<const char*>(hash.bytes.data()), hash.bytes.size());
  return key;
}
// "c" + u64 client + u64 request number, built on the stack.
class ReplyKeyBytes {
 public:
  explicit ReplyKeyBytes(const KvStateMachine::ReplyKey& key) {
    bytes_[0] = reply_prefix[0];
    store_big_endian(bytes_ + 1, key.first);
    store_big_endian(bytes_ + 9, key.second);
  }
  std::string_view view() const { return {bytes_, sizeof bytes_}; }

 private:
  static void store_big_endian(char* out, std::uint64_t number) {
    for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((number >> (8 * (7 - i))) & 0xff);
  }
  char bytes_[17];
};
static_assert(reply_prefix.size() == 1);
std::uint64_t read_number(std::string_view key, std::size_t at) {
  std::uint64_t number = 0;
  for (std::size_t i = at; i < at + 8; ++i) number = (number << 8) | static_cast<std::uint8_t>(key[i]);
  return number;
}


// u64 view, u64 last_voted_view, u32 size + locked QC, u32 size + high QC.
std::vector<std::uint8_t> encode_safety(const SafetyState& state) {
  const auto locked = encode_quorum_cert(state.locked_qc);
  const auto high = encode_quorum_cert(state.high_qc);
  std::vector<std::uint8_t> out(8 + 8 + 4 + locked.size() + 4 + high.size());
  ByteWriter writer(out.data(), out.data() + out.size());
  writer.u64(state.view);
  writer.u64(state.last_voted_view);
  writer.u32(static_cast<std::uint32_t>(locked.size()));
  writer.raw(locked);
  writer.u32(static_cast<std::uint32_t>(high.size()));
  writer.raw(high);
  BFTSIM_ASSERT(writer.at_end());
  return out;
}

Error corruption(const std::string& dir, std::string_view what, const std::string& detail) {
  return Error{ErrorCode::corruption, fmt::format("{}: stored {}: {}", dir, what, detail)};
}

Result<QuorumCert> read_qc(ByteReader& reader, const char* field) {
  const std::uint32_t size = reader.u32(field);
  if (!reader.ok()) return tl::unexpected(reader.take_error());
  if (size > reader.remaining_bytes()) return make_error(ErrorCode::malformed, fmt::format("{} truncated", field));
  std::vector<std::uint8_t> bytes(size);
  reader.raw(bytes, field);
  return decode_quorum_cert(bytes);
}

Result<SafetyState> decode_safety(std::string_view stored) {
  ByteReader reader(as_bytes(stored), "safety state");
  SafetyState state;
  state.view = reader.u64("view");
  state.last_voted_view = reader.u64("last_voted_view");
  auto locked = read_qc(reader, "locked_qc");
  if (!locked) return tl::unexpected(locked.error());
  auto high = read_qc(reader, "high_qc");
  if (!high) return tl::unexpected(high.error());
  if (reader.remaining_bytes() != 0) return make_error(ErrorCode::malformed, "trailing bytes");
  state.locked_qc = std::move(*locked);
  state.high_qc = std::move(*high);
  if (state.locked_qc.view > state.high_qc.view)
    return make_error(ErrorCode::malformed, "locked QC above high QC");
  return state;
}

// The block under `key`, encoded straight into the batch.
void add_block(WriteBatch& batch, const std::string& key, const Block& block) {
  encode_block(block, batch.put_in_place(key, encoded_block_size_bytes(block)));
}

// The anchor: the last executed block.
void add_anchor(WriteBatch& batch, const Block& block, const Hash32& hash) {
  std::array<std::uint8_t, 8 + sizeof(hash.bytes)> anchor{};
  ByteWriter writer(anchor.data(), anchor.data() + anchor.size());
  writer.u64(block.height);
  writer.raw(hash.bytes);
  batch.put(anchor_key, as_text(anchor));
}

}  // namespace

LsmNodeStore::LsmNodeStore(FileSystem& fs, std::string dir, LsmNodeStoreOptions options)
    : fs_(fs), dir_(std::move(dir)), options_(options) {}

Result<RecoveredState> LsmNodeStore::recover() {
  kv_ = nullptr;
  db_.reset();  // a new run: whatever the old Db held in memory is gone
  auto db = Db::open(fs_, dir_, options_.db);
  if (!db) return tl::unexpected(db.error());
  db_ = std::move(*db);
  return read_state();
}

Result<RecoveredState> LsmNodeStore::read_state() {
  RecoveredState state;
  auto safety = db_->get(safety_key);
  if (!safety) return tl::unexpected(safety.error());
  if (*safety) {
    auto decoded = decode_safety(**safety);
    if (!decoded) return tl::unexpected(corruption(dir_, "safety state", decoded.error().message));
    state.safety = std::move(*decoded);
  }

  auto anchor = db_->get(anchor_key);
  if (!anchor) return tl::unexpected(anchor.error());
  Height height = 0;
  if (*anchor) {
    ByteReader reader(as_bytes(**anchor), "anchor");
    height = reader.u64("height");
    Hash32 hash;
    reader.raw(hash.bytes, "block_hash");
    if (!reader.ok() || reader.remaining_bytes() != 0)
      return tl::unexpected(corruption(dir_, "anchor", "wrong size"));
    auto stored = db_->get(block_key(height, hash));
    if (!stored) return tl::unexpected(stored.error());
    if (!*stored) return tl::unexpected(corruption(dir_, "committed log", fmt::format("block {} missing", height)));
    auto block = decode_block(as_bytes(**stored));
    if (!block || block->height != height || block_hash(*block) != hash)
      return tl::unexpected(corruption(dir_, "committed log",
                                       fmt::format("block {} does not match its hash", height)));
    state.committed = CommittedAnchor{std::make_shared<const Block>(std::move(*block)), hash};
  }

  auto kv = std::make_unique<LsmKvStore>(*db_);
  if (kv->error()) return tl::unexpected(*kv->error());
  LsmKvStore* kv_raw = kv.get();
  state.machine = KvStateMachine(std::move(kv));
  if (kv_raw->error()) return tl::unexpected(*kv_raw->error());
  auto replies = db_->scan(reply_prefix, prefix_end(reply_prefix));
  if (!replies) return tl::unexpected(replies.error());
  for (const auto& [key, value] : *replies) {
    if (key.size() != reply_prefix.size() + 16)
      return tl::unexpected(corruption(dir_, "cached reply", "bad key"));
    const KvStateMachine::ReplyKey reply_key{read_number(key, reply_prefix.size()),
                                             read_number(key, reply_prefix.size() + 8)};
    if (auto status = state.machine.restore_cached_reply(reply_key, as_bytes(value)); !status)
      return tl::unexpected(corruption(dir_, fmt::format("cached reply {}/{}", reply_key.first, reply_key.second),
                                       status.error().message));
  }
  if (auto status = state.machine.finish_restore(); !status)
    return tl::unexpected(corruption(dir_, "cached replies", status.error().message));
  state.machine.restore_last_applied_height(height);
  if (auto status = read_tree_blocks(height, state); !status) return tl::unexpected(status.error());
  kv_ = kv_raw;
  return state;
}

// The blocks above `committed_height` into state.blocks (those at or below
// it are the committed log: the commit that passed a fork deleted it).
Status LsmNodeStore::read_tree_blocks(Height committed_height, RecoveredState& state) {
  tree_keys_.clear();
  auto stored = db_->scan(numbered_key(tree_prefix, committed_height + 1), prefix_end(tree_prefix));
  if (!stored) return tl::unexpected(stored.error());
  for (auto& [key, value] : *stored) {
    Hash32 hash;
    if (key.size() != tree_prefix.size() + 8 + hash.bytes.size())
      return tl::unexpected(corruption(dir_, "tree block", "bad key"));
    const Height height = read_number(key, tree_prefix.size());
    std::copy(key.begin() + static_cast<std::ptrdiff_t>(tree_prefix.size() + 8), key.end(),
              reinterpret_cast<char*>(hash.bytes.data()));
    auto block = decode_block(as_bytes(value));
    if (!block || block->height != height || block_hash(*block) != hash)
      return tl::unexpected(corruption(dir_, "tree block",
                                       fmt::format("block {} does not match its key", height)));
    state.blocks.push_back(std::make_shared<const Block>(std::move(*block)));
    tree_keys_.insert(std::move(key));
  }
  return {};
}

Result<std::vector<std::shared_ptr<const Block>>> LsmNodeStore::committed_ancestors(
    const CommittedAnchor& anchor, std::size_t count) {
  BFTSIM_ASSERT(db_ != nullptr);
  std::vector<std::shared_ptr<const Block>> ancestors;
  Hash32 hash = anchor.block->parent_hash;
  for (Height height = anchor.block->height - 1; height > 0 && ancestors.size() < count; --height) {
    auto stored = db_->get(block_key(height, hash));
    if (!stored) return tl::unexpected(stored.error());
    if (!*stored) break;  // the log starts at a transferred state
    auto block = decode_block(as_bytes(**stored));
    if (!block || block->height != height || block_hash(*block) != hash)
      return tl::unexpected(corruption(dir_, "committed log",
                                       fmt::format("block {} does not match its hash", height)));
    hash = block->parent_hash;
    ancestors.push_back(std::make_shared<const Block>(std::move(*block)));
  }
  return ancestors;
}

void LsmNodeStore::commit_tree_block(WriteBatch& batch, const Block& block, const Hash32& hash) {
  const std::string key = block_key(block.height, hash);
  // Every block a replica commits entered its tree, so it is stored; a
  // caller that skipped record_block() gets it written here.
  if (!tree_keys_.contains(key)) add_block(batch, key, block);
  const auto end = tree_keys_.lower_bound(numbered_key(tree_prefix, block.height + 1));
  for (auto it = tree_keys_.begin(); it != end; ++it)
    if (*it != key) batch.remove(*it);
  tree_keys_.erase(tree_keys_.begin(), end);
  add_anchor(batch, block, hash);
}

Status LsmNodeStore::persist_safety(const SafetyState& state) {
  BFTSIM_ASSERT(db_ != nullptr);
  return db_->put(safety_key, as_text(encode_safety(state)), !options_.unsafe_skip_sync && !options_.host_syncs);
}

Status LsmNodeStore::sync() {
  BFTSIM_ASSERT(db_ != nullptr);
  return db_->sync();
}

Status LsmNodeStore::record_block(const Block& block, const Hash32& hash) {
  BFTSIM_ASSERT(db_ != nullptr);
  std::string key = block_key(block.height, hash);
  if (tree_keys_.contains(key)) return {};
  batch_.clear();
  add_block(batch_, key, block);
  if (auto status = db_->write(batch_, false); !status) return status;
  tree_keys_.insert(std::move(key));
  return {};
}

Status LsmNodeStore::record_commit(const Block& block, const Hash32& hash, KvStateMachine& machine) {
  BFTSIM_ASSERT(db_ != nullptr && kv_ != nullptr);
  if (kv_->error()) return tl::unexpected(*kv_->error());
  // One reused batch and reply buffer: a commit encodes each record once,
  // into the batch, and allocates only when it outgrows the last commit.
  batch_.clear();
  kv_->take_writes(batch_);
  for (const auto& changed : machine.take_changed_replies()) {
    const ReplyKeyBytes key(changed);
    if (machine.encode_cached_reply(changed, reply_buffer_)) {
      batch_.put(key.view(), as_text(reply_buffer_));
    } else {
      batch_.remove(key.view());
    }
  }
  commit_tree_block(batch_, block, hash);
  return db_->write(batch_, false);
}

Result<KvStateMachine> LsmNodeStore::install_state(const Block& block, const Hash32& hash,
                                                   const std::vector<KeyValue>& pairs,
                                                   const std::vector<SnapshotReply>& replies) {
  BFTSIM_ASSERT(db_ != nullptr);
  // One batch replaces every pair and reply and moves the anchor, so a crash
  // leaves either the old state or the new one.
  WriteBatch batch;
  for (std::string_view prefix : {LsmKvStore::key_prefix, reply_prefix}) {
    auto old = db_->scan(prefix, prefix_end(prefix));
    if (!old) return tl::unexpected(old.error());
    for (const auto& [key, value] : *old) batch.remove(key);
  }
  for (const KeyValue& pair : pairs) batch.put_prefixed(LsmKvStore::key_prefix, pair.key, pair.value);
  for (const SnapshotReply& reply : replies)
    batch.put(ReplyKeyBytes({reply.client, reply.number}).view(), as_text(reply.record));
  commit_tree_block(batch, block, hash);
  if (auto status = db_->write(batch, true); !status) return tl::unexpected(status.error());
  kv_ = nullptr;
  auto state = read_state();
  if (!state) return tl::unexpected(state.error());
  return std::move(state->machine);
}

}  // namespace bftsim
