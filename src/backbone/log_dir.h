#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "backbone/env.h"

// The small files of a durable log directory besides its segments (docs/log-format.md).
namespace herald::backbone::log_dir {

// Version 1: the record format of log_format.h, segments named by SegmentName.
inline constexpr uint32_t kFormatVersion = 1;
inline constexpr std::string_view kFormatFile = "FORMAT";
inline constexpr std::string_view kEpochFile = "EPOCH";

// "log-<first seq, 20 digits>.hlog": names sort in seq order.
std::string SegmentName(uint64_t first_seq);
// The first seq a segment name carries; nullopt for any other file name.
std::optional<uint64_t> ParseSegmentName(std::string_view name);

// Writes `dir`/`name` so that a crash leaves either the old contents or the new: writes
// `name`.tmp, syncs it, renames it over `name`, syncs `dir`.
Status WriteFileAtomically(Env& env, const std::string& dir, std::string_view name,
                           std::string_view contents);

// Reads FORMAT: ok for kFormatVersion; "unsupported_format" naming both versions for a newer
// one; "corruption" when unreadable.
Status CheckFormat(Env& env, const std::string& dir);

// Reads EPOCH: "corruption" unless it holds a valid epoch (core::IsValidEpoch).
core::Result<std::string> ReadEpoch(Env& env, const std::string& dir);

}  // namespace herald::backbone::log_dir
