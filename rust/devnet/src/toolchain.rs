use crate::DevnetError;
use std::path::{Path, PathBuf};

/// The repository's project-local Foundry toolchain (`node_modules`, installed by `make install`).
#[derive(Clone, Debug)]
pub struct Toolchain {
    /// Repository root: `foundry.toml`, `script/`, `node_modules/`.
    pub root: PathBuf,
    /// The anvil executable (the native binary when present, else the npm wrapper).
    pub anvil: PathBuf,
    /// The forge executable.
    pub forge: PathBuf,
}

impl Toolchain {
    /// Finds the repository: `$HYPERCHAIN_ROOT`, else the checkout this crate was built from, else
    /// the first ancestor of the current directory holding `foundry.toml` and `node_modules/`.
    pub fn locate() -> Result<Self, DevnetError> {
        if let Some(root) = std::env::var_os("HYPERCHAIN_ROOT") {
            return Self::at(PathBuf::from(root));
        }
        let built_from = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        if is_root(&built_from) {
            return Self::at(built_from);
        }
        let cwd = std::env::current_dir().unwrap_or_default();
        match cwd.ancestors().find(|dir| is_root(dir)) {
            Some(root) => Self::at(root.to_path_buf()),
            None => Err(DevnetError::RootNotFound(cwd)),
        }
    }

    /// The toolchain of the repository at `root`.
    pub fn at(root: PathBuf) -> Result<Self, DevnetError> {
        let root = root.canonicalize().map_err(|_| DevnetError::RootNotFound(root.clone()))?;
        if !root.join("foundry.toml").is_file() {
            return Err(DevnetError::RootNotFound(root));
        }
        let anvil = tool(&root, "anvil")?;
        let forge = tool(&root, "forge")?;
        Ok(Self { root, anvil, forge })
    }

    /// A fresh folder under `<root>/.hyperchain/tmp/` (git-ignored), removed on drop. Forge
    /// scripts may only write inside the repository (`fs_permissions`), so their outputs go here.
    pub fn scratch_dir(&self) -> Result<tempfile::TempDir, DevnetError> {
        let parent = self.root.join(".hyperchain/tmp");
        std::fs::create_dir_all(&parent)
            .map_err(|source| DevnetError::Io { path: parent.clone(), source })?;
        tempfile::Builder::new()
            .prefix("run-")
            .tempdir_in(&parent)
            .map_err(|source| DevnetError::Io { path: parent, source })
    }
}

fn is_root(dir: &Path) -> bool {
    dir.join("foundry.toml").is_file() && dir.join("node_modules").is_dir()
}

/// The native binary of `@foundry-rs/<tool>-<platform>`, never the `node_modules/.bin` wrapper:
/// the wrapper always exits 0 (a failed `forge script` would look like success), starts ~0.3 s
/// slower and is not the direct child, so killing it would orphan the tool.
fn tool(root: &Path, name: &'static str) -> Result<PathBuf, DevnetError> {
    let platform = match (std::env::consts::OS, std::env::consts::ARCH) {
        ("linux", "x86_64") => "linux-amd64",
        ("linux", "aarch64") => "linux-arm64",
        ("macos", "x86_64") => "darwin-amd64",
        ("macos", "aarch64") => "darwin-arm64",
        (os, arch) => return Err(DevnetError::UnsupportedPlatform { os, arch }),
    };
    let native = root.join(format!("node_modules/@foundry-rs/{name}-{platform}/bin/{name}"));
    if native.is_file() {
        Ok(native)
    } else {
        Err(DevnetError::ToolMissing { tool: name, path: native })
    }
}
