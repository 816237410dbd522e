import { maintenanceSwitch } from './switch.js';

export default maintenanceSwitch(false, 'take an app out of maintenance mode');
