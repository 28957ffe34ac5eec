// Where the system tools the tests use live (Debian keeps PostgreSQL's server binaries and
// nginx off a normal user's PATH). Shared by scripts/setup.js and the test helpers.
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

function onPath(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : null;
}

/** The folder with PostgreSQL's server binaries (initdb, pg_ctl), newest version first, or null. */
function findPostgresBin() {
  const initdb = onPath('initdb');
  if (initdb) return path.dirname(fs.realpathSync(initdb));
  const base = '/usr/lib/postgresql';
  if (!fs.existsSync(base)) return null;
  const versions = fs.readdirSync(base).filter((v) => fs.existsSync(path.join(base, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions.length ? path.join(base, versions[0], 'bin') : null;
}

/** The nginx binary, or null. */
function findNginx() {
  return onPath('nginx') || (fs.existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : null);
}

module.exports = { findPostgresBin, findNginx };
