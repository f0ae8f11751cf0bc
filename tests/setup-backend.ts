// Every test file starts on the default backend (GRADLAB_BACKEND or the first that loads).
import { initBackend } from '@gradlab/core';

await initBackend();
