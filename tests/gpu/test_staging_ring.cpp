// The backend-free logic of the pinned staging ring (StagingRing, staging_ring.h) over a fake
// fence backend: placement, wrap-around, which fences a request waits for, refusal of oversized
// requests, alignment, and a simulated device that reads each region only when its fence
// completes (so a region handed out too early shows up as corrupted data). Runs on every build.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "s2s/kernels/staging_ring.h"

namespace s2s::cuda {
namespace {
using Token = StagingRing::Token;

// Fences that complete only when waited for, or when the test marks them done (visible to query).
struct FakeFences {
  Token next = 100;
  std::set<Token> recorded, done, retired;
  std::vector<Token> waited;  // in call order
  std::vector<Token> queried_true;

  StagingRing::Fences make(bool with_query) {
    StagingRing::Fences f;
    f.record = [this] {
      recorded.insert(next);
      return next++;
    };
    f.wait = [this](Token t) {
      EXPECT_TRUE(recorded.count(t)) << "wait on a token never recorded: " << t;
      EXPECT_FALSE(retired.count(t)) << "wait on a token already retired: " << t;
      waited.push_back(t);
      done.insert(t);
      retired.insert(t);
    };
    if (with_query) {
      f.query = [this](Token t) {
        EXPECT_FALSE(retired.count(t)) << "query on a token already retired: " << t;
        if (!done.count(t)) return false;
        queried_true.push_back(t);
        retired.insert(t);
        return true;
      };
    }
    return f;
  }
};

struct Ring {
  explicit Ring(std::size_t capacity, std::size_t alignment = 64, bool with_query = false)
      : buffer(capacity + alignment),
        base(aligned_base(buffer.data(), alignment)),
        ring(base, capacity, alignment, fences.make(with_query)) {}
  static unsigned char* aligned_base(unsigned char* p, std::size_t a) {
    auto u = reinterpret_cast<std::uintptr_t>(p);
    return reinterpret_cast<unsigned char*>((u + a - 1) / a * a);
  }
  // Acquires and commits; returns the offset and the token of the region.
  std::pair<std::size_t, Token> put(std::size_t bytes) {
    void* p = ring.acquire(bytes);
    EXPECT_NE(p, nullptr) << bytes;
    ring.commit();
    return {static_cast<std::size_t>(static_cast<unsigned char*>(p) - base), ring.pending().back().fence};
  }

  std::vector<unsigned char> buffer;
  unsigned char* base;
  FakeFences fences;
  StagingRing ring;
};

TEST(StagingRing, RefusesRequestsLargerThanCapacity) {
  Ring r(4096, 256);
  EXPECT_EQ(r.ring.acquire(4097), nullptr);
  EXPECT_EQ(r.ring.acquire(std::size_t{1} << 40), nullptr);
  EXPECT_TRUE(r.fences.waited.empty());
  EXPECT_NE(r.ring.acquire(4096), nullptr);  // exactly the capacity fits an empty ring
  r.ring.commit();
  EXPECT_EQ(r.ring.acquire(4097), nullptr);  // refused at once, without waiting for anything
  EXPECT_TRUE(r.fences.waited.empty());
}

TEST(StagingRing, RegionsAreAlignedAndSizesRoundedUp) {
  Ring r(1 << 16, 256);
  EXPECT_EQ(r.ring.aligned_size(0), 256u);
  EXPECT_EQ(r.ring.aligned_size(1), 256u);
  EXPECT_EQ(r.ring.aligned_size(256), 256u);
  EXPECT_EQ(r.ring.aligned_size(257), 512u);
  std::size_t expected = 0;
  for (std::size_t n : {1u, 255u, 256u, 257u, 1000u, 3u}) {
    const auto [off, tok] = r.put(n);
    EXPECT_EQ(off % 256, 0u) << n;
    EXPECT_EQ(off, expected) << n;  // packed back to back
    expected += (n + 255) / 256 * 256;
  }
}

TEST(StagingRing, RejectsBadConstruction) {
  std::vector<unsigned char> buf(4096 + 64);
  unsigned char* base = Ring::aligned_base(buf.data(), 64);
  FakeFences f;
  EXPECT_THROW(StagingRing(base, 4096, 48, f.make(false)), Error);      // not a power of two
  EXPECT_THROW(StagingRing(base + 8, 4096, 64, f.make(false)), Error);  // misaligned buffer
  EXPECT_THROW(StagingRing(base, 4096, 64, StagingRing::Fences{}), Error);
}

TEST(StagingRing, WrapsAroundWaitingOnlyForTheOldestFence) {
  Ring r(1024, 64);
  const auto [o1, t1] = r.put(300);  // [0, 320)
  const auto [o2, t2] = r.put(300);  // [320, 640)
  const auto [o3, t3] = r.put(300);  // [640, 960)
  EXPECT_EQ(o1, 0u);
  EXPECT_EQ(o2, 320u);
  EXPECT_EQ(o3, 640u);
  EXPECT_TRUE(r.fences.waited.empty());
  // 320 bytes fit neither after 960 nor before the oldest region (at 0): wait for t1 only.
  const auto [o4, t4] = r.put(300);
  EXPECT_EQ(o4, 0u);
  EXPECT_EQ(r.fences.waited, std::vector<Token>({t1}));
  // Now pending: [320,640) [640,960) [0,320): the only free space is the 64-byte tail, which a
  // wrapped ring does not use; the gap [320, 320) is empty: wait for t2.
  const auto [o5, t5] = r.put(64);
  EXPECT_EQ(o5, 320u);
  EXPECT_EQ(r.fences.waited, std::vector<Token>({t1, t2}));
  // [384, 640) is free next to it: no wait.
  const auto [o6, t6] = r.put(200);
  EXPECT_EQ(o6, 384u);
  EXPECT_EQ(r.fences.waited.size(), 2u);
  (void)t3, (void)t4, (void)t5, (void)t6;
}

TEST(StagingRing, LargeRequestWaitsForExactlyTheFencesItNeeds) {
  Ring r(1024, 128);
  std::vector<Token> tokens;
  for (int i = 0; i < 8; ++i) tokens.push_back(r.put(128).second);  // the ring is full
  // 384 bytes: the three oldest regions [0, 384) must complete, and no more.
  const auto [off, tok] = r.put(384);
  EXPECT_EQ(off, 0u);
  EXPECT_EQ(r.fences.waited, std::vector<Token>(tokens.begin(), tokens.begin() + 3));
  // The whole capacity: every remaining fence (the new one too), oldest first.
  const auto [off2, tok2] = r.put(1024);
  EXPECT_EQ(off2, 0u);
  std::vector<Token> all(tokens);
  all.push_back(tok);
  EXPECT_EQ(r.fences.waited, all);
  (void)tok2;
}

TEST(StagingRing, CompletedFencesAreRetiredWithoutWaiting) {
  Ring r(1024, 128, /*with_query=*/true);
  std::vector<Token> tokens;
  for (int i = 0; i < 8; ++i) tokens.push_back(r.put(128).second);
  r.fences.done.insert(tokens[0]);  // the device finished the first two copies
  r.fences.done.insert(tokens[1]);
  const auto [off, tok] = r.put(256);
  EXPECT_EQ(off, 0u);
  EXPECT_TRUE(r.fences.waited.empty());
  EXPECT_EQ(r.fences.queried_true, std::vector<Token>({tokens[0], tokens[1]}));
  // A fence not yet complete is waited for when its region is needed, not skipped.
  const auto [off2, tok2] = r.put(128);
  EXPECT_EQ(off2, 256u);
  EXPECT_EQ(r.fences.waited, std::vector<Token>({tokens[2]}));
  // Everything done: the ring is empty and starts again at 0.
  for (Token t : r.fences.recorded) r.fences.done.insert(t);
  EXPECT_EQ(r.put(512).first, 0u);
  EXPECT_EQ(r.fences.waited.size(), 1u);
  (void)tok, (void)tok2;
}

TEST(StagingRing, UncommittedRegionIsHandedOutAgainAndCommitNeedsAcquire) {
  Ring r(1024, 64);
  EXPECT_THROW(r.ring.commit(), Error);
  r.put(100);
  void* a = r.ring.acquire(200);  // the copy "failed to queue": no commit
  void* b = r.ring.acquire(200);
  EXPECT_EQ(a, b);
  r.ring.commit();
  EXPECT_THROW(r.ring.commit(), Error);  // one commit per acquire
  EXPECT_EQ(r.ring.pending().size(), 2u);
}

TEST(StagingRing, DrainWaitsForEveryFenceOldestFirst) {
  Ring r(4096, 64);
  std::vector<Token> tokens;
  for (int i = 0; i < 5; ++i) tokens.push_back(r.put(100 + i).second);
  r.ring.drain();
  EXPECT_EQ(r.fences.waited, tokens);
  EXPECT_TRUE(r.ring.pending().empty());
}

// A simulated device: each committed region is "copied" (its bytes compared with what the host
// wrote) only when its fence completes, at a random later time. A region handed out while an
// earlier copy of it is pending would be overwritten before that copy reads it.
TEST(StagingRing, SimulatedDeviceNeverSeesAnOverwrittenRegion) {
  for (bool with_query : {false, true}) {
    const std::size_t cap = 8192, align = 64;
    std::vector<unsigned char> buf(cap + align);
    unsigned char* base = Ring::aligned_base(buf.data(), align);
    std::mt19937_64 rng(with_query ? 7 : 11);
    struct Copy {
      std::size_t offset;
      std::vector<unsigned char> payload;
    };
    std::map<Token, Copy> in_flight;
    std::set<Token> done;
    Token next = 1;
    std::uint64_t copies_checked = 0, waits = 0;
    auto complete = [&](Token t) {
      const Copy& c = in_flight.at(t);
      ASSERT_EQ(std::memcmp(base + c.offset, c.payload.data(), c.payload.size()), 0)
          << "region at " << c.offset << " was overwritten before its copy ran";
      ++copies_checked;
      in_flight.erase(t);
    };
    StagingRing::Fences f;
    f.record = [&] { return next++; };
    f.wait = [&](Token t) {
      ++waits;
      complete(t);
    };
    if (with_query) {
      f.query = [&](Token t) {
        if (!done.count(t)) return false;
        complete(t);
        return true;
      };
    }
    StagingRing ring(base, cap, align, f);
    for (int i = 0; i < 20000; ++i) {
      // Mostly small uploads, sometimes up to the whole ring.
      const std::size_t n = (rng() % 16 == 0) ? 1 + rng() % cap : 1 + rng() % 600;
      auto* p = static_cast<unsigned char*>(ring.acquire(n));
      ASSERT_NE(p, nullptr);
      const std::size_t off = static_cast<std::size_t>(p - base);
      ASSERT_EQ(off % align, 0u);
      ASSERT_LE(off + n, cap);
      std::vector<unsigned char> payload(n);
      for (auto& b : payload) b = static_cast<unsigned char>(rng());
      std::memcpy(p, payload.data(), n);
      ring.commit();
      in_flight.emplace(ring.pending().back().fence, Copy{off, std::move(payload)});
      // The device progresses: the oldest copies finish in order, some of the time.
      if (with_query && rng() % 3 == 0) {
        for (const auto& [t, c] : in_flight) {
          if (rng() % 2 == 0) break;
          done.insert(t);
        }
      }
    }
    ring.drain();
    EXPECT_TRUE(in_flight.empty());
    EXPECT_EQ(copies_checked, 20000u);
    if (with_query) EXPECT_LT(waits, 20000u);
  }
}

TEST(StagingRing, ByteCountsFromTheEnvironment) {
  EXPECT_EQ(parse_byte_count("0", "X"), 0u);
  EXPECT_EQ(parse_byte_count("67108864", "X"), std::size_t{64} << 20);
  EXPECT_EQ(parse_byte_count("64M", "X"), std::size_t{64} << 20);
  EXPECT_EQ(parse_byte_count("64m", "X"), std::size_t{64} << 20);
  EXPECT_EQ(parse_byte_count("512k", "X"), std::size_t{512} << 10);
  EXPECT_EQ(parse_byte_count("1G", "X"), std::size_t{1} << 30);
  for (const char* bad : {"", "M", "-1", " 5", "5 ", "64MB", "1.5M", "0x10", "99999999999999999999999"}) {
    EXPECT_THROW(parse_byte_count(bad, "S2S_STAGING_BYTES"), Error) << bad;
  }
  try {
    parse_byte_count("64MB", "S2S_STAGING_BYTES");
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("S2S_STAGING_BYTES='64MB'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace s2s::cuda
