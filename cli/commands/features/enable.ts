import { featureSwitch } from './switch.js';

export default featureSwitch(true);
