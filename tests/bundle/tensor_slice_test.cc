// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// TensorSlice: validation, TensorFlow's text form, shape arithmetic; slice
// keys: the spec's encoded examples (docs/format.md "Slice keys") and
// random round trips through DecodeTensorNameSlice, whose strictness is
// checked byte by byte.

#include "ckpt/tensor_slice.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "testing/test_util.h"

namespace ckpt {
namespace {

using testing::FromHex;

TEST_CASE("TensorSlice parses and prints TensorFlow's text form") {
  for (const char* text : {"", "-", "0,2:-", "4,3:-:0,0", "-:-:-"}) {
    absl::StatusOr<TensorSlice> s = TensorSlice::Parse(text);
    CKPT_REQUIRE_OK(s);
    REQUIRE(s->DebugString() == text);
  }
  const TensorSlice s = TensorSlice::Parse("1,2:-").value();
  REQUIRE(s.rank() == 2);
  REQUIRE(s.extent(0) == TensorSlice::Extent{1, 2});
  REQUIRE(s.extent(1).full());
  for (const char* bad : {"1", "1,2,3", "-1,2", "1,-2", "a,b", "1,2:", ":",
                          "0,9223372036854775807:1,9223372036854775807",
                          "1,9223372036854775807"}) {
    INFO(bad);
    if (std::string(bad) == "0,9223372036854775807:1,9223372036854775807") {
      CKPT_REQUIRE_ERROR(TensorSlice::Parse(bad),
                         absl::StatusCode::kInvalidArgument, "overflows");
      continue;
    }
    CKPT_REQUIRE_ERROR(TensorSlice::Parse(bad),
                       absl::StatusCode::kInvalidArgument, "bad slice");
  }
}

TEST_CASE("TensorSlice::Create refuses what no tensor can hold") {
  CKPT_REQUIRE_ERROR(TensorSlice::Create({{3, TensorSlice::kFullLength}}),
                     absl::StatusCode::kInvalidArgument, "starts at 3");
  CKPT_REQUIRE_ERROR(TensorSlice::Create({{0, -2}}),
                     absl::StatusCode::kInvalidArgument, ">= 0");
  CKPT_REQUIRE_ERROR(TensorSlice::Create({{-1, 2}}),
                     absl::StatusCode::kInvalidArgument, ">= 0");
  CKPT_REQUIRE_ERROR(
      TensorSlice::Create({{std::numeric_limits<int64_t>::max(), 1}}),
      absl::StatusCode::kInvalidArgument, "overflows");
  CKPT_REQUIRE_ERROR(TensorSlice::Create(std::vector<TensorSlice::Extent>(255)),
                     absl::StatusCode::kInvalidArgument, "rank 255");
  CKPT_REQUIRE_ERROR(TensorSlice::FromStartLength({0}, {-1}),
                     absl::StatusCode::kInvalidArgument, "negative length");
}

TEST_CASE("TensorSlice shape arithmetic") {
  const TensorShape shape({4, 3});
  const TensorSlice rows = TensorSlice::Parse("1,2:-").value();
  CKPT_REQUIRE_OK(rows.CheckFits(shape));
  REQUIRE(rows.SliceShape(shape).value() == TensorShape({2, 3}));
  REQUIRE_FALSE(rows.Covers(shape));
  REQUIRE(TensorSlice::Parse("0,4:0,3").value().Covers(shape));
  REQUIRE(TensorSlice::Full(2).Covers(shape));
  REQUIRE(TensorSlice::Full(2).IsFull());
  REQUIRE(TensorSlice().Covers(TensorShape()));
  CKPT_REQUIRE_ERROR(TensorSlice::Parse("3,2:-").value().CheckFits(shape),
                     absl::StatusCode::kInvalidArgument, "3 + 2 > 4");
  CKPT_REQUIRE_ERROR(TensorSlice::Parse("-").value().CheckFits(shape),
                     absl::StatusCode::kInvalidArgument, "rank 1");
  REQUIRE(rows.End(1, shape) == 3);
}

// The spec's examples (TensorFlow's own OrderedCode comments).
TEST_CASE("slice keys encode as TensorFlow's EncodeTensorNameSlice") {
  const std::string name = "v/.ATTRIBUTES/VARIABLE_VALUE";
  REQUIRE(EncodeTensorNameSlice(name, TensorSlice::Parse("0,2:-").value()) ==
          FromHex("00") + name + FromHex("000101028082807f"));
  REQUIRE(EncodeTensorNameSlice(name, TensorSlice::Parse("0,2:0,3").value()) ==
          FromHex("00") + name + FromHex("0001010280828083"));
  // SignedNumIncreasing through a rank-1 slice's start.
  const std::vector<std::pair<int64_t, std::string>> numbers = {
      {0, "80"}, {2, "82"}, {63, "bf"}, {64, "c040"}, {0x424242, "f0424242"}};
  for (const auto& [v, hex] : numbers) {
    INFO(v);
    const TensorSlice s = TensorSlice::FromStartLength({v}, {0}).value();
    REQUIRE(EncodeTensorNameSlice("x", s) == FromHex("00") + "x" +
                                                 FromHex("00010101") +
                                                 FromHex(hex) + FromHex("80"));
  }
  // Negative numbers appear as the -1 of a full dimension.
  REQUIRE(EncodeTensorNameSlice("x", TensorSlice::Full(1)) ==
          FromHex("00") + "x" + FromHex("00010101") + FromHex("807f"));
  // Escapes of 0x00 and 0xff in the name.
  REQUIRE(EncodeTensorNameSlice(std::string("a\0b\xff", 4), TensorSlice()) ==
          FromHex("006100ff62ff00000100"));
}

TEST_CASE("slice keys round-trip and decoding is strict") {
  std::mt19937_64 rng(7);
  const std::vector<int64_t> interesting = {
      0,
      1,
      63,
      64,
      8191,
      8192,
      (int64_t{1} << 55) - 1,
      int64_t{1} << 55,
      (int64_t{1} << 62) - 1,
      int64_t{1} << 62,
      std::numeric_limits<int64_t>::max() / 2,
      std::numeric_limits<int64_t>::max() - 1};
  for (int round = 0; round < 2000; ++round) {
    const int rank = static_cast<int>(rng() % 5);
    std::vector<TensorSlice::Extent> extents(static_cast<size_t>(rank));
    for (TensorSlice::Extent& e : extents) {
      if (rng() % 4 == 0) continue;  // full
      e.start = rng() % 2 ? interesting[rng() % interesting.size()]
                          : static_cast<int64_t>(rng() % 100);
      e.length = static_cast<int64_t>(rng() % 100);
      if (e.start > std::numeric_limits<int64_t>::max() - e.length)
        e.length = 0;
    }
    std::string name(rng() % 8, '\0');
    for (char& c : name) c = "a\0\xff/b"[rng() % 5];
    const TensorSlice slice = TensorSlice::Create(extents).value();
    const std::string key = EncodeTensorNameSlice(name, slice);
    REQUIRE(IsSliceKey(key));
    auto decoded = DecodeTensorNameSlice(key);
    CKPT_REQUIRE_OK(decoded);
    REQUIRE(decoded->first == name);
    REQUIRE(decoded->second == slice);
    // Every strict prefix is refused, and so is any trailing byte.
    for (size_t cut = 0; cut < key.size(); ++cut) {
      INFO("prefix of " << cut);
      REQUIRE_FALSE(DecodeTensorNameSlice(key.substr(0, cut)).ok());
    }
    CKPT_REQUIRE_ERROR(DecodeTensorNameSlice(key + "x"),
                       absl::StatusCode::kDataLoss, "trailing");
  }
}

TEST_CASE("malformed slice keys are DataLoss naming the key") {
  CKPT_REQUIRE_ERROR(DecodeTensorNameSlice("plain"),
                     absl::StatusCode::kDataLoss, "start with 0x00");
  // Bad escape after 0x00 in the name.
  CKPT_REQUIRE_ERROR(DecodeTensorNameSlice(FromHex("0061000501")),
                     absl::StatusCode::kDataLoss, "bad tensor name");
  // Rank 255.
  CKPT_REQUIRE_ERROR(DecodeTensorNameSlice(FromHex("00610001") + "\x01\xff"),
                     absl::StatusCode::kDataLoss, "rank 255");
  // A length of -2 (0x7e).
  CKPT_REQUIRE_ERROR(DecodeTensorNameSlice(FromHex("006100010101807e")),
                     absl::StatusCode::kDataLoss, ">= 0");
  // A full dimension with a start.
  CKPT_REQUIRE_ERROR(DecodeTensorNameSlice(FromHex("006100010101817f")),
                     absl::StatusCode::kDataLoss, "full dimension");
  // Non-canonical: rank 1 written with a leading zero byte ("02 00 01").
  CKPT_REQUIRE_ERROR(DecodeTensorNameSlice(FromHex("006100010200018080")),
                     absl::StatusCode::kDataLoss, "canonical");
  // Non-canonical: 2 written in two bytes (c0 02).
  CKPT_REQUIRE_ERROR(DecodeTensorNameSlice(FromHex("006100010101c00280")),
                     absl::StatusCode::kDataLoss, "");
}

}  // namespace
}  // namespace ckpt
