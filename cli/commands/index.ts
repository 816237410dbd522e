import type { Definition } from '../command.js';
import access from './access/index.js';
import accessAdd from './access/add.js';
import accessRemove from './access/remove.js';
import accountPassword from './account/password.js';
import activity from './activity/index.js';
import addons from './addons/index.js';
import addonsAttach from './addons/attach.js';
import addonsCreate from './addons/create.js';
import addonsDestroy from './addons/destroy.js';
import addonsDetach from './addons/detach.js';
import addonsInfo from './addons/info.js';
import apps from './apps/index.js';
import appsCreate from './apps/create.js';
import appsDestroy from './apps/destroy.js';
import appsInfo from './apps/info.js';
import appsPool from './apps/pool.js';
import appsRename from './apps/rename.js';
import login from './auth/login.js';
import logout from './auth/logout.js';
import authToken from './auth/token.js';
import whoami from './auth/whoami.js';
import buildpacks from './buildpacks/index.js';
import buildpacksAdd from './buildpacks/add.js';
import buildpacksClear from './buildpacks/clear.js';
import buildpacksRemove from './buildpacks/remove.js';
import buildpacksSet from './buildpacks/set.js';
import builds from './builds/index.js';
import certs from './certs/index.js';
import certsAdd from './certs/add.js';
import certsAuto from './certs/auto.js';
import certsAutoDisable from './certs/autodisable.js';
import certsAutoEnable from './certs/autoenable.js';
import certsInfo from './certs/info.js';
import certsRemove from './certs/remove.js';
import certsUpdate from './certs/update.js';
import buildsCacheClear from './builds/cache/clear.js';
import buildsOutput from './builds/output.js';
import config from './config/index.js';
import configGet from './config/get.js';
import configSet from './config/set.js';
import configUnset from './config/unset.js';
import domains from './domains/index.js';
import domainsAdd from './domains/add.js';
import domainsRemove from './domains/remove.js';
import drains from './drains/index.js';
import features from './features/index.js';
import metrics from './metrics/index.js';
import featuresDisable from './features/disable.js';
import featuresEnable from './features/enable.js';
import drainsAdd from './drains/add.js';
import drainsRemove from './drains/remove.js';
import gitRemote from './git/remote.js';
import hosts from './hosts/index.js';
import hostsInfo from './hosts/info.js';
import hostsTag from './hosts/tag.js';
import keys from './keys/index.js';
import keysAdd from './keys/add.js';
import keysRemove from './keys/remove.js';
import logs from './logs/index.js';
import maintenance from './maintenance/index.js';
import maintenanceOff from './maintenance/off.js';
import maintenanceOn from './maintenance/on.js';
import pipelines from './pipelines/index.js';
import pipelinesAdd from './pipelines/add.js';
import pipelinesCreate from './pipelines/create.js';
import pipelinesDestroy from './pipelines/destroy.js';
import pipelinesInfo from './pipelines/info.js';
import pipelinesPromote from './pipelines/promote.js';
import pipelinesRemove from './pipelines/remove.js';
import ps from './ps/index.js';
import psAutosleep from './ps/autosleep.js';
import psLifetime from './ps/lifetime.js';
import psRestart from './ps/restart.js';
import psScale from './ps/scale.js';
import psSizes from './ps/sizes.js';
import psSleep from './ps/sleep.js';
import psStop from './ps/stop.js';
import psType from './ps/type.js';
import releases from './releases/index.js';
import releasesInfo from './releases/info.js';
import rollback from './releases/rollback.js';
import run from './run/index.js';
import status from './status/index.js';
import tokens from './tokens/index.js';
import tokensCreate from './tokens/create.js';
import tokensRevoke from './tokens/revoke.js';
import usersCreate from './users/create.js';

// Every command of `paas`, in the order `paas help` lists them
// (cli/commands/<topic>/<verb>.ts: `paas <topic>:<verb>`; <topic>/index.ts: `paas <topic>`).

export const COMMANDS: readonly Definition[] = [
  ...[login, logout, whoami, authToken],
  ...[apps, appsCreate, appsInfo, appsDestroy, appsRename],
  ...[keys, keysAdd, keysRemove],
  ...[domains, domainsAdd, domainsRemove],
  ...[certs, certsAdd, certsInfo, certsUpdate, certsRemove, certsAuto, certsAutoEnable, certsAutoDisable],
  ...[maintenance, maintenanceOn, maintenanceOff],
  ...[features, featuresEnable, featuresDisable],
  metrics,
  ...[config, configGet, configSet, configUnset],
  ...[addons, addonsCreate, addonsInfo, addonsAttach, addonsDetach, addonsDestroy],
  ...[releases, releasesInfo, rollback],
  activity,
  ...[pipelines, pipelinesCreate, pipelinesAdd, pipelinesRemove, pipelinesInfo, pipelinesPromote, pipelinesDestroy],
  ...[builds, buildsOutput, buildsCacheClear],
  ...[ps, psScale, psType, psRestart, psSizes],
  ...[psAutosleep, psSleep, psLifetime],
  status,
  usersCreate,
  ...[access, accessAdd, accessRemove],
  ...[tokens, tokensCreate, tokensRevoke],
  accountPassword,
  gitRemote,
  ...[buildpacks, buildpacksSet, buildpacksAdd, buildpacksRemove, buildpacksClear],
  ...[hosts, hostsInfo, hostsTag, appsPool],
  ...[logs],
  ...[drains, drainsAdd, drainsRemove],
  ...[run, psStop],
];
