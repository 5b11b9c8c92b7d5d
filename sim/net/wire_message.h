// WireMessage: the encoded bytes of one send, shared by every delivery of it
// (each copy to each receiver of a broadcast), and their decoding, done at
// the first delivery that needs it and then shared: decoding is a pure
// function of the bytes, so every receiver gets the same Message (or the same
// "malformed") it would have decoded itself, without one decode and one copy
// of a 45 KB certificate per receiver at n = 1000. The decoded message is
// immutable (a SharedMessage): receivers read it through a const reference,
// a replica's block tree keeps a proposal's block as an alias into it
// instead of a copy, and its block hash is computed once. Its BLAKE2b digest,
// which the run's trace hash takes in place of the bytes, is also computed
// once per send. Single-threaded, like the simulation that owns it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "core/crypto/blake2b.h"
#include "core/protocol/codec.h"
#include "core/protocol/messages.h"
#include "core/protocol/shared_message.h"

namespace bftsim {

class WireMessage {
 public:
  explicit WireMessage(std::vector<std::uint8_t> bytes) : bytes_(std::move(bytes)) {}
  const std::vector<std::uint8_t>& bytes() const { return bytes_; }
  std::size_t size() const { return bytes_.size(); }
  // The decoded message, or null when the bytes do not decode.
  const std::shared_ptr<const SharedMessage>& decoded() const {
    if (!decode_tried_) {
      decode_tried_ = true;
      if (auto message = decode_message(bytes_)) decoded_ = std::make_shared<const SharedMessage>(std::move(*message));
    }
    return decoded_;
  }
  // BLAKE2b-256 of the bytes, computed at the first call.
  const Hash32& digest() const {
    if (!digest_) digest_ = blake2b_256(bytes_);
    return *digest_;
  }

 private:
  std::vector<std::uint8_t> bytes_;
  mutable bool decode_tried_ = false;
  mutable std::shared_ptr<const SharedMessage> decoded_;
  mutable std::optional<Hash32> digest_;
};

}  // namespace bftsim
