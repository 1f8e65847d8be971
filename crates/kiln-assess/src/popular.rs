//! A small, hand-curated list of widely used package names per ecosystem: the names
//! typosquatters imitate. Not exhaustive; it catches the common cases.

/// Popular npm packages.
pub const NPM: &[&str] = &[
    "lodash", "react", "react-dom", "express", "axios", "chalk", "commander", "debug",
    "moment", "request", "webpack", "typescript", "eslint", "prettier", "jest", "mocha",
    "underscore", "jquery", "vue", "angular", "rxjs", "uuid", "dotenv", "yargs", "minimist",
    "async", "bluebird", "body-parser", "cross-env", "colors", "electron", "event-stream",
    "mongoose", "mysql", "node-fetch", "nodemon", "socket.io", "semver", "babel-cli",
    "coffee-script", "crypto-js", "jsonwebtoken", "http-proxy", "ua-parser-js", "coa", "rc",
];

/// Popular PyPI packages (normalised: lowercase, `-`).
pub const PYPI: &[&str] = &[
    "requests", "urllib3", "numpy", "pandas", "django", "flask", "boto3", "botocore",
    "setuptools", "six", "python-dateutil", "pyyaml", "cryptography", "jinja2", "pillow",
    "matplotlib", "scipy", "pytest", "colorama", "beautifulsoup4", "selenium", "tensorflow",
    "torch", "scikit-learn", "sqlalchemy", "pydantic", "fastapi", "openai", "paramiko",
    "psycopg2", "pymongo", "redis", "certifi", "idna", "charset-normalizer", "attrs",
    "click", "packaging", "wheel", "virtualenv", "docutils", "pycrypto", "pycryptodome",
    "discord", "ctx", "jellyfish", "dateutil",
];

/// Popular crates (normalised: lowercase, `-`).
pub const CRATES: &[&str] = &[
    "serde", "serde-json", "tokio", "rand", "clap", "syn", "quote", "proc-macro2", "regex",
    "anyhow", "thiserror", "reqwest", "hyper", "futures", "chrono", "lazy-static",
    "once-cell", "bytes", "itertools", "libc", "bitflags", "base64", "uuid", "tracing",
    "url", "sha2", "tempfile", "env-logger", "rayon", "flate2", "crossbeam", "parking-lot",
    "smallvec", "memchr", "log", "time", "toml", "hashbrown", "indexmap", "rustls",
    "openssl", "ring", "num-traits", "cfg-if", "getrandom", "ureq", "axum", "tonic",
];
