import { certUploadCommand } from './upload.js';

export default certUploadCommand(true);
