// Where zip layers are extracted, once per content, on the host.
#pragma once

#include "runtime/layers/zip_archive.hpp"

#include <cstdint>
#include <string>

namespace lambda_local::runtime::layers {

// A cache directory of extracted zip layers: <root>/layers/<sha256 of the zip>/ holds the
// zip's files. A zip is extracted into a directory of its own beside them, then renamed into
// place, so that a directory there is always complete and runs in parallel never see half
// of one; a zip whose bytes changed has another key and is extracted again. The key of a
// zip is remembered in <root>/keys/ with the file's device, inode, size, modification and
// change times, so that an unchanged zip is not read again to hash it.
class LayerCache {
  public:
    // A cache at `root` (made when missing; it must belong to this user).
    explicit LayerCache(std::string root);

    // The default root: $LAMBDA_LOCAL_CACHE_DIR, else $XDG_CACHE_HOME/lambda-local, else
    // $HOME/.cache/lambda-local. Throws lambda_local::Error when none of them is set.
    static std::string default_root();

    const std::string& root() const { return m_root; }

    // The SHA-256 of the file's bytes, in hex, read again only when the file changed.
    std::string content_key(const std::string& zip_path) const;

    // The directory holding the files of `archive`, extracted now unless an earlier run did.
    // `max_bytes` bounds the extraction (extract_zip). Throws lambda_local::Error; a failed
    // extraction leaves nothing behind and the cache as it was.
    std::string extracted(const ZipArchive& archive, std::uint64_t max_bytes) const;

  private:
    std::string m_root;
};

} // namespace lambda_local::runtime::layers
