from appraisal.platform.app import create_app

app = create_app()
