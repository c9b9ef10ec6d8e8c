/** `calibrateInChild`'s process: prints one {@link Calibration} as JSON. */
import { calibrate } from './calibration.js';

process.stdout.write(`${JSON.stringify(calibrate(Number(process.argv[2])))}\n`);
