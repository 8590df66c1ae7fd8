'use strict';

const express = require('express');
const { createProxyMiddleware } = require('http-proxy-middleware');
const logger = require('pino')({ level: process.env.LOG_LEVEL || 'info' });

const port = Number(process.env.PORT || 3000);
const apiUrl = process.env.API_URL || 'http://shop-api';

const app = express();

app.get('/healthz', (req, res) => res.send('ok'));
app.use('/api', createProxyMiddleware({ target: apiUrl, changeOrigin: true, proxyTimeout: 10000 }));
app.use(express.static('public', { maxAge: '1h' }));

const server = app.listen(port, () => {
  logger.info({ port, apiUrl }, 'storefront listening');
});

process.on('SIGTERM', () => {
  logger.info('SIGTERM received, closing server');
  server.close(() => {
    logger.info('all connections closed, exiting');
    process.exit(0);
  });
  setTimeout(() => process.exit(1), 20000).unref();
});
