// `--set key.path=value`: one override applied to the YAML tree before the
// sections are read, so it is checked like the file's own keys. Only keys of
// the schema may be created (schema_map_keys).
#pragma once

#include <string>

#include "core/types/result.h"
#include "sim/scenario/scenario_tree.h"

namespace bftsim::loader {

Status apply_override(YamlNode& root, const std::string& assignment);

}  // namespace bftsim::loader
