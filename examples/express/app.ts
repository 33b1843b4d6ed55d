import express, { type ErrorRequestHandler, type Express } from 'express';
import { toNodeListener, type InfobipIntegration } from 'whatsapp-call-permissions/infobip';
import { commandAnswer, errorAnswer, WEBHOOK_PATH } from '../integration.ts';

/**
 * An Express app with Infobip's webhook beside its own JSON routes.
 *
 * The webhook route is mounted before the app-wide `express.json()`, so nothing has parsed its body
 * and the handler reads the raw bytes itself: its own size limit (1 MiB), its typed 400/413/415
 * answers, and credentials checked before anything is read. Mounted after `express.json()` it works
 * too: `toNodeListener` then takes the body Express parsed (but Express's own limit, 100 kB by
 * default, and its error pages come first).
 */
export function createApp(infobip: InfobipIntegration): Express {
  const app = express();
  app.post(WEBHOOK_PATH, toNodeListener(infobip.handleWebhook, { maxBodyBytes: 1_048_576 }));

  app.use(express.json());
  app.post('/relationships/:sender/:user/permission-requests', async (req, res) => {
    const { status, body } = commandAnswer(await infobip.relationship({ sender: req.params.sender, user: req.params.user }).requestPermission());
    res.status(status).json(body);
  });
  app.post('/relationships/:sender/:user/calls', async (req, res) => {
    const { status, body } = commandAnswer(await infobip.relationship({ sender: req.params.sender, user: req.params.user }).startCall());
    res.status(status).json(body);
  });
  app.get('/relationships/:sender/:user/permissions', async (req, res) => {
    res.json(await infobip.relationship({ sender: req.params.sender, user: req.params.user }).permissions());
  });

  // Express 5 passes a rejected route promise here: the engine's typed errors become JSON.
  const errors: ErrorRequestHandler = (error, _req, res, _next) => {
    const { status, body } = errorAnswer(error);
    res.status(status).json(body);
  };
  app.use(errors);
  return app;
}
