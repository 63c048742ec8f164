#include "proto/json/json_text.h"

#include <string>

#include "core/topic.h"
#include "proto/hex.h"

namespace herald::proto::json {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Walks the grammar of RFC 8259 once, without building anything. Containers are tracked on an
// explicit stack (one byte per level), so hostile nesting costs no call stack.
class Validator {
 public:
  explicit Validator(std::string_view text) : text_(text) {}

  bool Run() {
    while (true) {
      bool opened = false;
      if (!Value(opened)) return false;
      if (opened) continue;  // its first element is next
      // After a value: close containers, or move on to the next element.
      while (true) {
        SkipSpace();
        if (open_.empty()) return at_ == text_.size();
        if (at_ == text_.size()) return false;
        char c = text_[at_++];
        if (c == ',') {
          if (open_.back() == '{' && !Key()) return false;
          break;
        }
        if (c != (open_.back() == '{' ? '}' : ']')) return false;
        open_.pop_back();
      }
    }
  }

 private:
  // One value. A container that is not empty is only opened (`opened`; for an object, up to
  // its first key): its elements are values the caller reads next.
  bool Value(bool& opened) {
    SkipSpace();
    if (at_ == text_.size()) return false;
    char c = text_[at_];
    if (c == '{' || c == '[') {
      if (open_.size() >= kMaxJsonDepth) return false;  // this one would be one level too deep
      ++at_;
      SkipSpace();
      char close = c == '{' ? '}' : ']';
      if (at_ < text_.size() && text_[at_] == close) {
        ++at_;
        return true;
      }
      open_.push_back(c);
      opened = true;
      return c == '[' || Key();
    }
    if (c == '"') return String();
    if (c == '-' || IsDigit(c)) return Number();
    return Literal("true") || Literal("false") || Literal("null");
  }

  // `"name" :` of an object member.
  bool Key() {
    SkipSpace();
    if (at_ == text_.size() || text_[at_] != '"' || !String()) return false;
    SkipSpace();
    if (at_ == text_.size() || text_[at_] != ':') return false;
    ++at_;
    return true;
  }

  bool String() {
    ++at_;  // the opening quote
    while (at_ < text_.size()) {
      auto c = static_cast<unsigned char>(text_[at_++]);
      if (c == '"') return true;
      if (c < 0x20) return false;  // control characters must be escaped
      if (c != '\\') continue;
      if (at_ == text_.size()) return false;
      char escape = text_[at_++];
      if (escape == 'u') {
        if (!Escape()) return false;
      } else if (std::string_view("\"\\/bfnrt").find(escape) == std::string_view::npos) {
        return false;
      }
    }
    return false;
  }

  // The four hex digits after `\u`. UTF-16 surrogates must come in pairs, as simdjson requires,
  // so both judge the same text the same way.
  bool Escape() {
    int unit = HexUnit();
    if (unit < 0) return false;
    if (unit >= 0xDC00 && unit <= 0xDFFF) return false;  // a low surrogate first
    if (unit < 0xD800 || unit > 0xDBFF) return true;
    if (text_.substr(at_, 2) != "\\u") return false;
    at_ += 2;
    int low = HexUnit();
    return low >= 0xDC00 && low <= 0xDFFF;
  }

  int HexUnit() {
    if (text_.size() - at_ < 4) return -1;
    int unit = 0;
    for (int i = 0; i < 4; ++i) {
      int digit = HexValue(text_[at_++]);
      if (digit < 0) return -1;
      unit = unit * 16 + digit;
    }
    return unit;
  }

  // -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?, of any length.
  bool Number() {
    if (text_[at_] == '-') ++at_;
    if (at_ == text_.size()) return false;
    if (text_[at_] == '0') {
      ++at_;
    } else if (!Digits()) {
      return false;
    }
    if (at_ < text_.size() && text_[at_] == '.') {
      ++at_;
      if (!Digits()) return false;
    }
    if (at_ < text_.size() && (text_[at_] == 'e' || text_[at_] == 'E')) {
      ++at_;
      if (at_ < text_.size() && (text_[at_] == '+' || text_[at_] == '-')) ++at_;
      if (!Digits()) return false;
    }
    return true;
  }

  // One or more digits.
  bool Digits() {
    size_t start = at_;
    while (at_ < text_.size() && IsDigit(text_[at_])) ++at_;
    return at_ > start;
  }

  bool Literal(std::string_view word) {
    if (text_.substr(at_, word.size()) != word) return false;
    at_ += word.size();
    return true;
  }

  void SkipSpace() {
    while (at_ < text_.size() &&
           (text_[at_] == ' ' || text_[at_] == '\t' || text_[at_] == '\n' || text_[at_] == '\r')) {
      ++at_;
    }
  }

  std::string_view text_;
  size_t at_ = 0;
  std::string open_;  // '{' or '[' per open container, innermost last
};

}  // namespace

bool IsJsonText(std::string_view text) { return core::IsValidUtf8(text) && Validator(text).Run(); }

}  // namespace herald::proto::json
