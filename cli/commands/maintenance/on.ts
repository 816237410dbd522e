import { maintenanceSwitch } from './switch.js';

export default maintenanceSwitch(true, 'put an app in maintenance mode: its web traffic gets a 503 maintenance page');
