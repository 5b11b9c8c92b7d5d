// ThreadBackground: core/storage's Background (background.h) on a std::thread
// and the steady clock, for bft-node's LSM (and the storage tests). Stateless:
// one instance serves every Db; it must outlive them (thread_background()).
#pragma once

#include "core/storage/background.h"

namespace bftsim {

class ThreadBackground final : public Background {
 public:
  std::unique_ptr<BackgroundThread> start(std::function<void()> body) override;
  std::uint64_t now_ns() override;
};

// The process's one ThreadBackground.
Background& thread_background();

}  // namespace bftsim
