//! Generates the bindings from the forge artifacts.
//!
//! 1. Runs `<repo>/tools/bin/forge build` (cached by forge; skipped with
//!    `HYPERCHAIN_SKIP_FORGE=1`), and `forge build --force` when `out/` holds ABI-only artifacts.
//!    A failing build fails this one: bindings from stale artifacts would not match the contracts.
//! 2. Reads every artifact in `out/` whose compilation target lives under `contracts/` (plus the
//!    Merkle test harness) and has a non-empty ABI.
//! 3. Hoists every struct used by any ABI to file level (one Rust type per struct name, shared by
//!    all contracts), adds the file-level structs declared in `contracts/common/**/*.sol` that no
//!    ABI uses yet, and emits one `alloy::sol!` invocation.
//! 4. Emits the `Predeploys` constants parsed from `contracts/common/libraries/Predeploys.sol`.

use serde_json::Value;
use std::{
    collections::{BTreeMap, BTreeSet},
    fmt::Write as _,
    fs,
    path::{Path, PathBuf},
    process::Command,
};

/// Artifacts outside `contracts/` that the bindings include.
const EXTRA_TARGETS: &[(&str, &str)] = &[("test/common/Merkle.t.sol", "MerkleHarness")];

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let repo = manifest.join("../..").canonicalize().expect("repository root exists");
    println!("cargo:rerun-if-changed={}", repo.join("contracts").display());
    println!("cargo:rerun-if-changed={}", repo.join("foundry.toml").display());
    println!("cargo:rerun-if-env-changed=HYPERCHAIN_SKIP_FORGE");

    if std::env::var_os("HYPERCHAIN_SKIP_FORGE").is_none() {
        run_forge(&repo);
    }

    let mut generator = Generator::default();
    let mut artifacts = Vec::new();
    collect_artifacts(&repo.join("out"), &mut artifacts);
    artifacts.sort();
    for path in artifacts {
        generator.add_artifact(&path);
    }
    let common = repo.join("contracts/common");
    let mut sources = Vec::new();
    collect_sources(&common, &mut sources);
    sources.sort();
    for source in &sources {
        println!("cargo:rerun-if-changed={}", source.display());
        generator.add_source_structs(source);
    }

    let predeploys = parse_predeploys(&repo.join("contracts/common/libraries/Predeploys.sol"));
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets it"));
    fs::write(out_dir.join("contracts.rs"), generator.render()).expect("write generated bindings");
    fs::write(out_dir.join("predeploys.rs"), predeploys).expect("write generated predeploys");
}

fn run_forge(repo: &Path) {
    forge(repo, &["build"]);
    // A filtered `forge test` (`--match-path`) rewrites the artifacts of contracts it does not
    // deploy with their ABI only, and a later `forge build` finds its cache valid and keeps them:
    // bindings generated from those would silently lack every contract's bytecode and metadata.
    let mut artifacts = Vec::new();
    collect_artifacts(&repo.join("out"), &mut artifacts);
    if artifacts.iter().any(|path| is_sparse(path)) {
        println!(
            "cargo:warning=out/ holds ABI-only artifacts (left by a filtered `forge test`): rebuilding them"
        );
        forge(repo, &["build", "--force"]);
    }
}

/// Runs `tools/bin/forge <args>` in the repository; a failure fails the build, since bindings
/// generated from stale artifacts would not match the contracts.
fn forge(repo: &Path, args: &[&str]) {
    let forge = repo.join("tools/bin/forge");
    let out = Command::new(&forge)
        .args(args)
        .current_dir(repo)
        .output()
        .unwrap_or_else(|err| panic!("could not run {}: {err}", forge.display()));
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let tail: Vec<&str> = stderr.lines().chain(stdout.lines()).rev().take(30).collect();
        panic!(
            "`tools/bin/forge {}` failed (run `make install` if forge is missing; set \
             HYPERCHAIN_SKIP_FORGE=1 to use out/ as it is):\n{}",
            args.join(" "),
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        );
    }
}

fn is_sparse(path: &Path) -> bool {
    fs::read_to_string(path)
        .ok()
        .and_then(|text| serde_json::from_str::<Value>(&text).ok())
        .is_some_and(|json| json.get("abi").is_some() && json.get("metadata").is_none())
}

fn collect_artifacts(dir: &Path, acc: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "build-info") {
                collect_artifacts(&path, acc);
            }
        } else if path.extension().is_some_and(|e| e == "json") {
            acc.push(path);
        }
    }
}

fn collect_sources(dir: &Path, acc: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_sources(&path, acc);
        } else if path.extension().is_some_and(|e| e == "sol") {
            acc.push(path);
        }
    }
}

/// `address internal constant NAME = 0x…;` lines of Predeploys.sol → Rust constants.
fn parse_predeploys(path: &Path) -> String {
    let source =
        fs::read_to_string(path).expect("contracts/common/libraries/Predeploys.sol exists");
    let mut out = String::new();
    for line in source.lines() {
        let line = line.trim();
        let Some(rest) = line.strip_prefix("address internal constant ") else { continue };
        let (name, value) = rest.split_once('=').expect("constant has a value");
        let value = value.trim().trim_end_matches(';').trim();
        assert!(value.starts_with("0x") && value.len() == 42, "predeploy {name} is an address");
        writeln!(
            out,
            "/// `Predeploys.{name}` from `contracts/common/libraries/Predeploys.sol`.\n\
             pub const {name}: ::alloy::primitives::Address = ::alloy::primitives::address!(\"{value}\");",
            name = name.trim()
        )
        .unwrap();
    }
    assert!(out.contains("SYSTEM_CALLER"), "Predeploys.sol declares SYSTEM_CALLER");
    out
}

#[derive(Clone, PartialEq, Eq)]
struct StructDef {
    /// `type name` pairs, types already rendered (struct names resolved).
    fields: Vec<(String, String)>,
}

#[derive(Default)]
struct Generator {
    structs: BTreeMap<String, StructDef>,
    /// Names of structs as they appear in `internalType` (possibly `Lib.Name`) → emitted name.
    contracts: BTreeMap<String, String>,
    seen_targets: BTreeSet<String>,
}

impl Generator {
    fn add_artifact(&mut self, path: &Path) {
        let Ok(text) = fs::read_to_string(path) else { return };
        let Ok(json) = serde_json::from_str::<Value>(&text) else { return };
        let Some(targets) =
            json.pointer("/metadata/settings/compilationTarget").and_then(|v| v.as_object())
        else {
            return;
        };
        let Some((source, name)) = targets.iter().next() else { return };
        let Some(name) = name.as_str() else { return };
        let wanted = source.starts_with("contracts/")
            || EXTRA_TARGETS.iter().any(|(s, n)| s == source && *n == name);
        if !wanted {
            return;
        }
        let Some(abi) = json.get("abi").and_then(|a| a.as_array()) else { return };
        if abi.is_empty() || !self.seen_targets.insert(name.to_string()) {
            return;
        }
        let bytecode = json
            .pointer("/bytecode/object")
            .and_then(|b| b.as_str())
            .filter(|b| b.len() > 2 && !b.contains("__"))
            .map(str::to_string);
        let is_abstract = bytecode.is_none();
        let mut body = String::new();
        for item in abi {
            self.render_item(item, is_abstract, &mut body);
        }
        let mut text = String::new();
        writeln!(text, "/// `{name}` from `{source}`.").unwrap();
        match bytecode {
            Some(code) => {
                writeln!(text, "#[sol(bytecode = \"{code}\")]").unwrap();
                writeln!(text, "contract {name} {{\n{body}}}").unwrap();
            }
            None => writeln!(text, "interface {name} {{\n{body}}}").unwrap(),
        }
        self.contracts.insert(name.to_string(), text);
    }

    fn render_item(&mut self, item: &Value, is_abstract: bool, out: &mut String) {
        let kind = item.get("type").and_then(|t| t.as_str()).unwrap_or("");
        let name = item.get("name").and_then(|n| n.as_str()).unwrap_or("");
        let inputs = item.get("inputs").and_then(|i| i.as_array()).cloned().unwrap_or_default();
        match kind {
            "function" => {
                let outputs =
                    item.get("outputs").and_then(|o| o.as_array()).cloned().unwrap_or_default();
                let mutability = match item.get("stateMutability").and_then(|s| s.as_str()) {
                    Some("view") => " view",
                    Some("pure") => " pure",
                    Some("payable") => " payable",
                    _ => "",
                };
                let params = self.params(&inputs, false);
                let returns = if outputs.is_empty() {
                    String::new()
                } else {
                    format!(" returns ({})", self.params(&outputs, false))
                };
                writeln!(out, "    function {name}({params}) external{mutability}{returns};")
                    .unwrap();
            }
            "event" => {
                let params = self.params(&inputs, true);
                let anonymous = if item.get("anonymous").and_then(|a| a.as_bool()) == Some(true) {
                    " anonymous"
                } else {
                    ""
                };
                writeln!(out, "    event {name}({params}){anonymous};").unwrap();
            }
            "error" => {
                let params = self.params(&inputs, false);
                writeln!(out, "    error {name}({params});").unwrap();
            }
            "constructor" if !is_abstract => {
                let params = self.params(&inputs, false);
                let payable =
                    if item.get("stateMutability").and_then(|s| s.as_str()) == Some("payable") {
                        " payable"
                    } else {
                        ""
                    };
                writeln!(out, "    constructor({params}){payable};").unwrap();
            }
            _ => {}
        }
    }

    fn params(&mut self, params: &[Value], event: bool) -> String {
        params
            .iter()
            .map(|p| {
                let ty = self.param_type(p);
                let indexed = if event && p.get("indexed").and_then(|i| i.as_bool()) == Some(true) {
                    " indexed"
                } else {
                    ""
                };
                let name = p.get("name").and_then(|n| n.as_str()).unwrap_or("");
                if name.is_empty() {
                    format!("{ty}{indexed}")
                } else {
                    format!("{ty}{indexed} {name}")
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The Solidity type of one ABI parameter; tuples become (hoisted) struct names.
    fn param_type(&mut self, param: &Value) -> String {
        let ty = param.get("type").and_then(|t| t.as_str()).unwrap_or("");
        let Some(suffix) = ty.strip_prefix("tuple") else { return ty.to_string() };
        let internal = param.get("internalType").and_then(|t| t.as_str()).unwrap_or("");
        let qualified = internal.strip_prefix("struct ").unwrap_or(internal);
        let qualified = qualified.split('[').next().unwrap_or(qualified);
        let short = qualified.rsplit('.').next().unwrap_or(qualified).to_string();
        let components =
            param.get("components").and_then(|c| c.as_array()).cloned().unwrap_or_default();
        let fields = components
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let name = c.get("name").and_then(|n| n.as_str()).unwrap_or("");
                let name = if name.is_empty() { format!("field{i}") } else { name.to_string() };
                (self.param_type(c), name)
            })
            .collect::<Vec<_>>();
        let def = StructDef { fields };
        let name = match self.structs.get(&short) {
            None => short,
            Some(existing) if *existing == def => short,
            Some(_) => qualified.replace('.', "_"),
        };
        if let Some(existing) = self.structs.get(&name) {
            assert!(
                *existing == def,
                "two different structs are both named {name}: rename one in the contracts"
            );
        }
        self.structs.insert(name.clone(), def);
        format!("{name}{suffix}")
    }

    /// File-level `struct X { … }` declarations of a Solidity source, for structs no ABI uses yet.
    fn add_source_structs(&mut self, path: &Path) {
        let Ok(source) = fs::read_to_string(path) else { return };
        let code = strip_comments(&source);
        let mut depth = 0usize;
        let mut rest = code.as_str();
        let mut offset = 0;
        // Walk top-level tokens: only `struct` at brace depth 0 is file-level.
        while offset < rest.len() {
            let c = rest.as_bytes()[offset];
            if c == b'{' {
                depth += 1;
            } else if c == b'}' {
                depth = depth.saturating_sub(1);
            } else if depth == 0 && rest[offset..].starts_with("struct ") {
                let at_word_start = offset == 0
                    || !rest.as_bytes()[offset - 1].is_ascii_alphanumeric()
                        && rest.as_bytes()[offset - 1] != b'_';
                if at_word_start {
                    let after = &rest[offset + "struct ".len()..];
                    let (Some(open), Some(close)) = (after.find('{'), after.find('}')) else {
                        return;
                    };
                    let name = after[..open].trim().to_string();
                    let fields = after[open + 1..close]
                        .split(';')
                        .filter_map(|f| {
                            let mut words = f.split_whitespace();
                            let ty = words.next()?.to_string();
                            let name = words.last()?.to_string();
                            Some((ty, name))
                        })
                        .collect();
                    let fields: Vec<(String, String)> = fields;
                    if fields.iter().all(|(ty, _)| !ty.contains("mapping") && !ty.contains('(')) {
                        self.structs.entry(name).or_insert(StructDef { fields });
                    }
                    rest = &after[close + 1..];
                    offset = 0;
                    continue;
                }
            }
            offset += 1;
        }
    }

    fn render(&self) -> String {
        let mut out = String::from(
            "// @generated by rust/bindings/build.rs from the forge artifacts in out/. Do not edit.\n\
             ::alloy::sol! {\n\
             #![sol(rpc, all_derives)]\n\n",
        );
        for (name, def) in &self.structs {
            writeln!(out, "#[derive(serde::Serialize, serde::Deserialize)]\nstruct {name} {{")
                .unwrap();
            for (ty, field) in &def.fields {
                writeln!(out, "    {ty} {field};").unwrap();
            }
            out.push_str("}\n\n");
        }
        for text in self.contracts.values() {
            out.push_str(text);
            out.push('\n');
        }
        out.push_str("}\n");
        out
    }
}

fn strip_comments(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let mut chars = source.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '/' && chars.peek() == Some(&'/') {
            for c in chars.by_ref() {
                if c == '\n' {
                    out.push('\n');
                    break;
                }
            }
        } else if c == '/' && chars.peek() == Some(&'*') {
            chars.next();
            let mut prev = ' ';
            for c in chars.by_ref() {
                if prev == '*' && c == '/' {
                    break;
                }
                prev = c;
            }
        } else {
            out.push(c);
        }
    }
    out
}
