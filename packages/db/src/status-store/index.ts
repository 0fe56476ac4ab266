export { AdvisoryPairLock } from './advisory-pair-lock';
export { PrismaStatusStore } from './prisma-status-store';
