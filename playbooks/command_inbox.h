#pragma once
// How `hinomi cases ack|approve|…` reaches a running responder. The running process holds the case
// store's lock, so the CLI drops each command as a file into data_dir/commands (written beside and
// renamed: the engine never reads half a command) and waits for the reply file the engine writes
// after applying it. Who may write there may command cases: the directory is created 0700, for the
// user hinomi runs as. The console's API (issue 8) replaces this for people without a shell.

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "playbooks/responder_engine.h"

namespace hinomi::playbooks {

// Drops `command` into `dir`; returns its name, which the reply is looked up by.
Result<std::string> submitCommand(const std::string& dir, const CaseCommand& command);
// Waits for the reply to `name` ({"ok": bool, "error": text, "case": {…}}) and removes it;
// kUnavailable when none came in time (the command stays queued for the next start).
Result<nlohmann::json> awaitReply(const std::string& dir, const std::string& name, std::chrono::milliseconds timeout);

// The engine's side: applies every command in `dir` in the order they were submitted and writes
// each reply. Returns how many were applied or refused.
size_t applyCommands(const std::string& dir, ResponderEngine& engine);

}  // namespace hinomi::playbooks
