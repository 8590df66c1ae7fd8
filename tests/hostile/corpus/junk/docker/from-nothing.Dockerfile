FROM
RUN echo base missing
